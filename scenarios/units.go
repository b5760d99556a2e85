package scenarios

import "time"

// Short names for workload timings, which read better as 6*minute.
const (
	second = time.Second
	minute = time.Minute
	hour   = time.Hour
)
