package fakeserver

import (
	"time"

	"github.com/authchaos/authchaos/fakeserver/clock"
	"github.com/authchaos/authchaos/fakeserver/config"
)

// The configuration (package config) and the virtual clock (package
// clock) are public packages of their own; these are shortcuts for the
// calls an SDK's tests make most.

// DefaultConfig returns the embedded defaults `authchaos serve` runs with:
// a fresh copy each call, safe to modify.
func DefaultConfig() *config.File { return config.Default() }

// LoadConfig reads and validates a YAML configuration file. Errors name
// the file, the line and the field (errors.As a *config.Error).
func LoadConfig(path string) (*config.File, error) { return config.Load(path) }

// WithFrozenClock starts the virtual clock at t and keeps it there until
// the test advances it: expiry happens when the test says, never because
// the machine was slow.
func WithFrozenClock(t time.Time) Option { return WithClock(clock.Frozen(t)) }
