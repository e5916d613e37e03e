package rollup

// SetFillChunk sets the pages of workflow_runs one chunk of an online fill
// reads, and a function called after each chunk commits, until restore.
func SetFillChunk(pages int64, after func(FillProgress)) (restore func()) {
	old, oldAfter := fillPages, afterChunk
	fillPages, afterChunk = pages, after
	return func() { fillPages, afterChunk = old, oldAfter }
}

// ContentsVersion is what wflog_run_stats_schema() must return.
const ContentsVersion = contentsVersion
