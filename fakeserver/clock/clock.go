// Package clock is the fake server's virtual clock.
//
// Every expiry decision in authchaos reads this clock, never time.Now, so a
// test can make an hour pass in a microsecond. A clock either follows the
// wall clock plus an offset (what `authchaos serve` uses, so tokens expire
// in real time too) or stands still until advanced (what tests use, so
// verdicts never depend on how fast the machine is).
package clock

import (
	"math"
	"sync"
	"time"
)

// Clock is a virtual clock. The zero value is not usable; use New or Frozen.
type Clock struct {
	mu     sync.RWMutex
	frozen bool
	base   time.Time // the frozen instant; unused when following the wall
	offset time.Duration
	now    func() time.Time
}

// New returns a clock that follows the wall clock until advanced.
func New() *Clock { return &Clock{now: time.Now} }

// Frozen returns a clock that stands at t until advanced.
func Frozen(t time.Time) *Clock { return &Clock{frozen: true, base: t, now: time.Now} }

// Now is the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.frozen {
		return c.base.Add(c.offset)
	}
	return c.now().Add(c.offset)
}

// Advance moves the clock forward by d (backwards when d is negative) and
// returns the new time. The total offset saturates at the range of a
// time.Duration (about 292 years either way) instead of wrapping around,
// which would throw the clock centuries back.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	switch sum := c.offset + d; {
	case d > 0 && sum < c.offset:
		c.offset = math.MaxInt64
	case d < 0 && sum > c.offset:
		c.offset = math.MinInt64
	default:
		c.offset = sum
	}
	c.mu.Unlock()
	return c.Now()
}

// Headroom is how far the clock can still move forward.
func (c *Clock) Headroom() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.offset < 0 {
		return math.MaxInt64
	}
	return math.MaxInt64 - c.offset
}

// Offset is how far the clock has been moved in total.
func (c *Clock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offset
}

// Reset undoes every Advance.
func (c *Clock) Reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}
