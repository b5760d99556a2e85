package resilient

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// Error is a call the client gave up on. Its message names the cause
// (a reason, an error code, a scheme, a cookie attribute) so a person or a
// judge can read it; Status and Body are the API's last answer, if any.
type Error struct {
	Status int
	Body   string
	Cause  string
	Err    error
}

func (e *Error) Error() string { return e.Cause }
func (e *Error) Unwrap() error { return e.Err }

// giveUp turns a failed recovery into an Error carrying the answer that
// started it (ans may be nil when no API answer came yet).
func giveUp(ans *answer, err error) *Error {
	e := &Error{Cause: err.Error(), Err: err}
	var inner *Error
	switch {
	case ans != nil:
		e.Status, e.Body = ans.status, string(ans.body)
	case errors.As(err, &inner):
		e.Status, e.Body = inner.Status, inner.Body // the endpoint whose refusal ended the call
	}
	return e
}

// record is what one Do call has spent on recoveries and what it did. It
// rides in the request's context through every layer and every redirect
// hop, so one call makes one recovery retry (renewal, step-up or scheme
// switch) however the layers combine, plus the back-off layer's waits.
type record struct {
	mu    sync.Mutex
	spent map[string]int
	steps []string
}

type recordKey struct{}

func withRecord(ctx context.Context) (context.Context, *record) {
	r := &record{spent: map[string]int{}}
	return context.WithValue(ctx, recordKey{}, r), r
}

// recordOf returns the call's record; a request sent without Do gets a
// throwaway one, so its budget is per attempt.
func recordOf(ctx context.Context) *record {
	if r, ok := ctx.Value(recordKey{}).(*record); ok {
		return r
	}
	return &record{spent: map[string]int{}}
}

// spend takes one of limit tries at a recovery; false when none are left.
func (r *record) spend(what string, limit int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.spent[what] >= limit {
		return false
	}
	r.spent[what]++
	return true
}

// did notes a recovery step for the error message.
func (r *record) did(step string) {
	r.mu.Lock()
	r.steps = append(r.steps, step)
	r.mu.Unlock()
}

// explain adds what the call tried to why it failed.
func (r *record) explain(msg string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.steps) == 0 {
		return msg
	}
	return msg + " (after: " + strings.Join(r.steps, "; ") + ")"
}
