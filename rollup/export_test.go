package rollup

// SetFillChunk sets the versions one chunk of an online fill reads, and a
// function called after each chunk commits, until the test ends.
func SetFillChunk(versions int, after func(FillProgress)) (restore func()) {
	old, oldAfter := fillChunk, afterChunk
	fillChunk, afterChunk = versions, after
	return func() { fillChunk, afterChunk = old, oldAfter }
}
