package repo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/wflog/wflog/internal/dialect"
	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/scopes"
)

// WithOlderTier makes the repository tiered: rows created before cutover
// live in older (e.g. the PostgreSQL a deployment ran on), rows created at
// or after it in the repository's own database (e.g. LogStore). Every
// method answers as one database holding all the rows would:
//
//		runs := repo.NewRuns(logstoreDB, repo.WithOlderTier(postgresDB, cutover))
//
//	  - Writes go to the tier of the row's created_at, which never changes
//	    between versions, so every version of a run or node execution lives in
//	    one tier: a run created before the cutover keeps getting its new
//	    versions in the older tier. A zero CreatedAt is set to now first, as
//	    GORM would.
//	  - Each tier answers only for its own range of created_at, so a tier may
//	    hold more (history copied forward, or a mirror of the newer tier)
//	    without counting twice.
//	  - Get, GetByID and the node Get look in the newer tier first, then the
//	    older; List pages across the cutover with the same cursor; counts and
//	    daily statistics add the tiers day by day, and on the day the cutover
//	    falls in, DailyTerminals and AverageInteractions count a user who ran
//	    in both tiers once (that day alone reads each tier's users).
//	  - Each tier keeps its own read-your-writes cache (on by default for
//	    LogStore) and its backend's limits.
//	  - Retention deletes from the tiers that can delete and reports the
//	    others: see Runs.ExpiredBatch.
//
// Writes to several rows (SaveBatch) that span the cutover are one batch
// per tier, so they are not atomic together.
func WithOlderTier(older *gorm.DB, cutover time.Time) Option {
	if older == nil {
		panic("wflog/repo: WithOlderTier needs the older tier's database")
	}
	if cutover.IsZero() {
		panic("wflog/repo: WithOlderTier needs a cutover time")
	}
	return func(o *options) { o.olderTier, o.cutover = older, cutover }
}

// span is the range of created_at a store answers for: [from, to), a zero
// end open. A repository over one database answers for everything.
type span struct{ from, to time.Time }

func (s span) contains(t time.Time) bool {
	return (s.from.IsZero() || !t.Before(s.from)) && (s.to.IsZero() || t.Before(s.to))
}

// clip narrows [from, to) (zero ends open) to the span; ok is false when
// nothing is left.
func (s span) clip(from, to time.Time) (time.Time, time.Time, bool) {
	if !s.from.IsZero() && (from.IsZero() || from.Before(s.from)) {
		from = s.from
	}
	if !s.to.IsZero() && (to.IsZero() || to.After(s.to)) {
		to = s.to
	}
	return from, to, from.IsZero() || to.IsZero() || from.Before(to)
}

// scope bounds created_at to the span: an owner condition, since created_at
// is the same in every version. For an open span it adds nothing.
func (s span) scope() scopes.Scope { return scopes.CreatedBetween(s.from, s.to) }

// stores returns where r's rows live: r itself, or its tiers, newest first.
func (r *Runs) stores() []*Runs {
	if r.tiers == nil {
		return []*Runs{r}
	}
	return r.tiers
}

func (n *NodeExecutions) stores() []*NodeExecutions {
	if n.tiers == nil {
		return []*NodeExecutions{n}
	}
	return n.tiers
}

// route returns the index of the store whose span holds t, setting a zero
// *t to now first (GORM would, at the INSERT; routing needs it before).
func route(spans []span, now func() time.Time, t *time.Time) int {
	if len(spans) == 1 {
		return 0
	}
	if t.IsZero() {
		*t = now()
	}
	for i, s := range spans {
		if s.contains(*t) {
			return i
		}
	}
	return len(spans) - 1 // unreachable: the spans cover all time
}

func (r *Runs) storeFor(createdAt *time.Time) *Runs {
	stores := r.stores()
	return stores[r.tierOf(createdAt)]
}

// tierOf is the index in stores() of the tier that holds createdAt.
func (r *Runs) tierOf(createdAt *time.Time) int {
	stores := r.stores()
	spans := make([]span, len(stores))
	for i, s := range stores {
		spans[i] = s.span
	}
	return route(spans, r.db.NowFunc, createdAt)
}

func (n *NodeExecutions) storeFor(createdAt *time.Time) *NodeExecutions {
	stores := n.stores()
	return stores[n.tierOf(createdAt)]
}

func (n *NodeExecutions) tierOf(createdAt *time.Time) int {
	stores := n.stores()
	spans := make([]span, len(stores))
	for i, s := range stores {
		spans[i] = s.span
	}
	return route(spans, n.db.NowFunc, createdAt)
}

// splitByTier saves rows a tier at a time: save gets each tier's rows (in
// their order), and whatever it sets in them (ids, versions) is copied back.
func splitByTier[T any](rows []T, createdAt func(*T) *time.Time, tier func(*time.Time) int, save func(tier int, part []T) error) error {
	parts := map[int][]int{}
	var order []int
	for i := range rows {
		t := tier(createdAt(&rows[i]))
		if _, ok := parts[t]; !ok {
			order = append(order, t)
		}
		parts[t] = append(parts[t], i)
	}
	for _, t := range order {
		idx := parts[t]
		part := make([]T, len(idx))
		for j, i := range idx {
			part[j] = rows[i]
		}
		err := save(t, part)
		for j, i := range idx {
			rows[i] = part[j]
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *Runs) saveTiered(ctx context.Context, runs []models.WorkflowRun) error {
	return splitByTier(runs, func(run *models.WorkflowRun) *time.Time { return &run.CreatedAt }, r.tierOf,
		func(i int, part []models.WorkflowRun) error { return r.tiers[i].SaveBatch(ctx, part) })
}

func (n *NodeExecutions) saveTiered(ctx context.Context, es []models.WorkflowNodeExecution) error {
	return splitByTier(es, func(e *models.WorkflowNodeExecution) *time.Time { return &e.CreatedAt }, n.tierOf,
		func(i int, part []models.WorkflowNodeExecution) error { return n.tiers[i].SaveBatch(ctx, part) })
}

// countTiered adds the tiers' counts. A tier answers for its own span only:
// the older tier's count over [since, cutover) is its count from since less
// its count from the cutover, which stays exact when it also holds newer
// rows (a mirror).
func (r *Runs) countTiered(ctx context.Context, q CountRuns) (StatusCounts, error) {
	total := StatusCounts{ByStatus: map[models.RunStatus]int64{}}
	add := func(c StatusCounts, sign int64) {
		for s, n := range c.ByStatus {
			total.ByStatus[s] += sign * n
		}
		total.Total += sign * c.Total
	}
	for _, s := range r.tiers {
		from, to, ok := s.span.clip(q.Since, time.Time{})
		if !ok {
			continue
		}
		sq := q
		sq.Since = from
		c, err := s.CountByStatus(ctx, sq)
		if err != nil {
			return StatusCounts{}, err
		}
		add(c, 1)
		if !to.IsZero() {
			sq.Since = to
			beyond, err := s.CountByStatus(ctx, sq)
			if err != nil {
				return StatusCounts{}, err
			}
			add(beyond, -1)
		}
	}
	for s, n := range total.ByStatus {
		if n == 0 {
			delete(total.ByStatus, s)
		}
	}
	return total, nil
}

// tierStats is s narrowed to a tier's span, and whether anything is left.
func tierStats(s Stats, sp span) (Stats, bool) {
	from, to, ok := sp.clip(s.From, s.To)
	s.From, s.To = from, to
	return s, ok
}

// dailyTiered runs a daily statistic on every tier over its part of the
// range and adds the results day by day.
func (r *Runs) dailyTiered(ctx context.Context, s Stats, stat func(*Runs, context.Context, Stats) ([]DailyCount, error)) (map[string][]int64, error) {
	days := map[string][]int64{}
	for i, t := range r.tiers {
		ts, ok := tierStats(s, t.span)
		if !ok {
			continue
		}
		rows, err := stat(t, ctx, ts)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if days[row.Day] == nil {
				days[row.Day] = make([]int64, len(r.tiers))
			}
			days[row.Day][i] = row.Count
		}
	}
	return days, nil
}

// sumDays turns per-tier counts into one count a day, in day order.
func sumDays(days map[string][]int64) []DailyCount {
	out := make([]DailyCount, 0, len(days))
	for day, counts := range days {
		var n int64
		for _, c := range counts {
			n += c
		}
		out = append(out, DailyCount{Day: day, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out
}

// inSeveral reports whether more than one tier counted on the day.
func inSeveral(counts []int64) bool {
	n := 0
	for _, c := range counts {
		if c != 0 {
			n++
		}
	}
	return n > 1
}

func (r *Runs) dailyRunsTiered(ctx context.Context, s Stats) ([]DailyCount, error) {
	days, err := r.dailyTiered(ctx, s, (*Runs).DailyRuns)
	if err != nil {
		return nil, err
	}
	return sumDays(days), nil
}

func (r *Runs) dailyTokensTiered(ctx context.Context, s Stats) ([]DailyCount, error) {
	days, err := r.dailyTiered(ctx, s, (*Runs).DailyTokenCosts)
	if err != nil {
		return nil, err
	}
	return sumDays(days), nil
}

// dailyTerminalsTiered adds the tiers' users day by day; a day that several
// tiers count (the cutover's) is counted again as the union of their users.
func (r *Runs) dailyTerminalsTiered(ctx context.Context, s Stats) ([]DailyCount, error) {
	days, err := r.dailyTiered(ctx, s, (*Runs).DailyTerminals)
	if err != nil {
		return nil, err
	}
	out := sumDays(days)
	for i := range out {
		if !inSeveral(days[out[i].Day]) {
			continue
		}
		users, err := r.usersOn(ctx, s, out[i].Day)
		if err != nil {
			return nil, err
		}
		out[i].Count = int64(len(users))
	}
	return out, nil
}

// averageInteractionsTiered takes each tier's averages, and on a day that
// several tiers count, divides the day's runs by the union of its users.
func (r *Runs) averageInteractionsTiered(ctx context.Context, s Stats) ([]DailyAverage, error) {
	byDay := map[string][]float64{} // the day's average in each tier that counts it
	for _, t := range r.tiers {
		ts, ok := tierStats(s, t.span)
		if !ok {
			continue
		}
		rows, err := t.AverageInteractions(ctx, ts)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			byDay[row.Day] = append(byDay[row.Day], row.Average)
		}
	}
	out := make([]DailyAverage, 0, len(byDay))
	for day, avgs := range byDay {
		if len(avgs) == 1 {
			out = append(out, DailyAverage{Day: day, Average: avgs[0]})
			continue
		}
		users, err := r.usersOn(ctx, s, day)
		if err != nil {
			return nil, err
		}
		var runs int64
		for _, n := range users {
			runs += n
		}
		out = append(out, DailyAverage{Day: day, Average: averageOf(runs, int64(len(users)))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day < out[j].Day })
	return out, nil
}

// averageOf is runs/users rounded half up to two decimals, in integers, as
// AverageInteractions rounds: ⌊(200·runs + users) / (2·users)⌋ / 100.
func averageOf(runs, users int64) float64 {
	return float64((200*runs+users)/(2*users)) / 100
}

// usersOn returns, for the calendar day named day (in s.Location), every
// user who started one of the runs s selects in any tier, with how many
// runs each started. Only a day that several tiers share needs it — the
// day of the cutover — so only that day's users are read.
func (r *Runs) usersOn(ctx context.Context, s Stats, day string) (map[uuid.UUID]int64, error) {
	loc, err := dialect.Zone(s.Location)
	if err != nil {
		return nil, err
	}
	start, err := time.ParseInLocation("2006-01-02", day, loc)
	if err != nil {
		return nil, fmt.Errorf("wflog/repo: day %q: %w", day, err)
	}
	end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, loc)
	users := map[uuid.UUID]int64{}
	from, to, ok := span{from: start, to: end}.clip(s.From, s.To)
	if !ok {
		return users, nil
	}
	for _, t := range r.tiers {
		tf, tt, ok := t.span.clip(from, to)
		if !ok {
			continue
		}
		owner := []scopes.Scope{scopes.ForApp(s.TenantID, s.AppID), scopes.TriggeredFrom(s.TriggeredFrom...), scopes.CreatedBetween(tf, tt)}
		versions := scopes.Latest(owner...)
		if s.FinishedOnly {
			versions = scopes.Finished(owner...)
		}
		var rows []struct {
			CreatedBy uuid.UUID
			Runs      int64
		}
		err := t.db.WithContext(ctx).Model(&models.WorkflowRun{}).
			Scopes(versions, scopes.Aggregating("created_at", "created_by")).
			Select("created_by, count(*) AS runs").Group("created_by").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("wflog/repo: users of app %s on %s: %w", s.AppID, day, err)
		}
		for _, row := range rows {
			users[row.CreatedBy] += row.Runs
		}
	}
	return users, nil
}

// Retention on a tiered repository: the tiers whose backend can DELETE do
// it (over everything they hold, so a PostgreSQL mirror of a newer tier is
// pruned too); a tier that cannot is reported, with errors.Is(err,
// dialect.ErrUnsupported), when the call reaches rows it holds.

// skippedTier reports a tier that retention leaves to its backend's TTL.
func skippedTier(d *dialect.Dialect, what string, sp span) error {
	e := unsupportedRetention(d, what).(*dialect.UnsupportedError)
	e.What = fmt.Sprintf("%s in the tier of rows created %s", what, sp)
	return e
}

func (s span) String() string {
	switch {
	case s.from.IsZero() && s.to.IsZero():
		return "at any time"
	case s.from.IsZero():
		return "before " + s.to.UTC().Format(time.RFC3339Nano)
	case s.to.IsZero():
		return "from " + s.from.UTC().Format(time.RFC3339Nano)
	}
	return "from " + s.from.UTC().Format(time.RFC3339Nano) + " to " + s.to.UTC().Format(time.RFC3339Nano)
}

// reaches reports whether a tier holds rows created before before.
func (s span) reaches(before time.Time) bool { return s.from.IsZero() || s.from.Before(before) }

// retentionTiers splits the tiers into those that delete and those that
// do not; with none that deletes, the repository as a whole cannot.
func retentionTiers[T any](tiers []T, d func(T) *dialect.Dialect) (deleting, keeping []T) {
	for _, t := range tiers {
		if d(t).Has(dialect.Delete) {
			deleting = append(deleting, t)
		} else {
			keeping = append(keeping, t)
		}
	}
	return deleting, keeping
}

func (r *Runs) expiredBatchTiered(ctx context.Context, before time.Time, limit int) ([]models.WorkflowRun, error) {
	deleting, keeping := retentionTiers(r.tiers, func(t *Runs) *dialect.Dialect { return t.d })
	if len(deleting) == 0 {
		return nil, unsupportedRetention(r.d, "ExpiredBatch")
	}
	seen := map[uuid.UUID]bool{}
	var out []models.WorkflowRun
	for _, t := range deleting {
		runs, err := t.ExpiredBatch(ctx, before, limit)
		if err != nil {
			return nil, err
		}
		for _, run := range runs {
			if !seen[run.ID] {
				seen[run.ID] = true
				out = append(out, run)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID.String() < out[j].ID.String()
	})
	if len(out) > limit {
		out = out[:limit]
	}
	if len(out) == 0 {
		// Nothing left to delete here: say what the other tiers keep.
		for _, t := range keeping {
			if t.span.reaches(before) {
				return nil, skippedTier(t.d, "ExpiredBatch", t.span)
			}
		}
	}
	return out, nil
}

// deleteTiered runs a retention delete on every tier that can, adding up
// what they deleted; report says whether a keeping tier must be named.
func deleteTiered[T any](tiers []T, d func(T) *dialect.Dialect, sp func(T) span, what string, report func(span) bool, del func(T) (int64, error)) (int64, error) {
	deleting, keeping := retentionTiers(tiers, d)
	if len(deleting) == 0 {
		return 0, unsupportedRetention(d(tiers[0]), what)
	}
	var total int64
	for _, t := range deleting {
		n, err := del(t)
		total += n
		if err != nil {
			return total, err
		}
	}
	for _, t := range keeping {
		if report(sp(t)) {
			return total, skippedTier(d(t), what, sp(t))
		}
	}
	return total, nil
}

func (r *Runs) deleteTiered(what string, report func(span) bool, del func(*Runs) (int64, error)) (int64, error) {
	return deleteTiered(r.tiers, func(t *Runs) *dialect.Dialect { return t.d }, func(t *Runs) span { return t.span }, what, report, del)
}

func (n *NodeExecutions) deleteTiered(what string, report func(span) bool, del func(*NodeExecutions) (int64, error)) (int64, error) {
	return deleteTiered(n.tiers, func(t *NodeExecutions) *dialect.Dialect { return t.d }, func(t *NodeExecutions) span { return t.span }, what, report, del)
}

func always(span) bool { return true }
func never(span) bool  { return false }
