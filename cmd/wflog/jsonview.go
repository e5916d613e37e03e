package main

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/wflog/wflog/models"
	"github.com/wflog/wflog/repo"
)

// The --json outputs share one convention: snake_case keys, the column
// names of schema.sql; JSON columns as JSON values, not strings holding
// JSON; times in RFC 3339.

// runPageJSON is runs --json.
type runPageJSON struct {
	Runs    []runJSON `json:"runs"`
	HasMore bool      `json:"has_more"`
}

type runJSON struct {
	ID              uuid.UUID       `json:"id"`
	Version         int64           `json:"version"`
	TenantID        uuid.UUID       `json:"tenant_id"`
	AppID           uuid.UUID       `json:"app_id"`
	WorkflowID      uuid.UUID       `json:"workflow_id"`
	Type            string          `json:"type"`
	TriggeredFrom   string          `json:"triggered_from"`
	WorkflowVersion string          `json:"workflow_version"`
	Graph           json.RawMessage `json:"graph"`
	Inputs          json.RawMessage `json:"inputs"`
	Outputs         json.RawMessage `json:"outputs"`
	Status          string          `json:"status"`
	Error           *string         `json:"error"`
	ElapsedTime     float64         `json:"elapsed_time"`
	TotalTokens     int64           `json:"total_tokens"`
	TotalSteps      int             `json:"total_steps"`
	ExceptionsCount int             `json:"exceptions_count"`
	CreatedByRole   string          `json:"created_by_role"`
	CreatedBy       uuid.UUID       `json:"created_by"`
	CreatedAt       time.Time       `json:"created_at"`
	FinishedAt      *time.Time      `json:"finished_at"`
}

func runPageView(p repo.RunPage) runPageJSON {
	out := runPageJSON{Runs: make([]runJSON, 0, len(p.Runs)), HasMore: p.HasMore}
	for _, r := range p.Runs {
		out.Runs = append(out.Runs, runJSON{
			ID: r.ID, Version: int64(r.Version), TenantID: r.TenantID, AppID: r.AppID, WorkflowID: r.WorkflowID,
			Type: string(r.Type), TriggeredFrom: string(r.TriggeredFrom), WorkflowVersion: r.WorkflowVersion,
			Graph: jsonColumn(r.Graph), Inputs: jsonColumn(r.Inputs), Outputs: jsonColumn(r.Outputs),
			Status: string(r.Status), Error: r.Error, ElapsedTime: r.ElapsedTime, TotalTokens: r.TotalTokens,
			TotalSteps: r.TotalSteps, ExceptionsCount: r.ExceptionsCount, CreatedByRole: string(r.CreatedByRole),
			CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), FinishedAt: utc(r.FinishedAt),
		})
	}
	return out
}

// jsonColumn returns a JSON column's text as a JSON value: null when the
// column is NULL, the text as a JSON string when it is not valid JSON (the
// library stores what it is given).
func jsonColumn(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	if json.Valid([]byte(*s)) {
		return json.RawMessage(*s)
	}
	b, _ := json.Marshal(*s)
	return b
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// statusView is the counts of runs by current status.
type statusView struct {
	Total    int64                      `json:"total"`
	ByStatus map[models.RunStatus]int64 `json:"by_status"`
}
