package clock

import (
	"testing"
	"time"
)

func TestFrozenClockMovesOnlyWhenAdvanced(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := Frozen(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now() = %v, want %v", got, t0)
	}
	if got := c.Advance(90 * time.Minute); !got.Equal(t0.Add(90 * time.Minute)) {
		t.Fatalf("Advance(90m) = %v", got)
	}
	c.Reset()
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Reset Now() = %v, want %v", got, t0)
	}
}

func TestWallClockKeepsOffset(t *testing.T) {
	c := New()
	wall := time.Date(2030, 5, 5, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return wall }
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(wall.Add(time.Hour)) {
		t.Fatalf("Now() = %v, want wall+1h", got)
	}
	if c.Offset() != time.Hour {
		t.Fatalf("Offset() = %v", c.Offset())
	}
}

func TestAdvanceSaturatesInsteadOfWrappingAround(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := Frozen(t0)
	far := c.Advance(200 * 365 * 24 * time.Hour)
	if got := c.Advance(200 * 365 * 24 * time.Hour); got.Before(far) {
		t.Fatalf("a second 200-year advance moved the clock back to %v", got)
	}
	if c.Headroom() != 0 {
		t.Fatalf("Headroom() = %v after saturating, want 0", c.Headroom())
	}
	c.Reset()
	c.Advance(-time.Hour)
	if got := c.Advance(-(1<<63 - 1)); got.After(t0) {
		t.Fatalf("a huge backward advance wrapped forward to %v", got)
	}
	if c.Headroom() != 1<<63-1 {
		t.Fatalf("Headroom() = %v with a negative offset, want the most a Duration holds", c.Headroom())
	}
}
