package fakeserver

import (
	"time"

	"github.com/authchaos/authchaos/internal/clock"
	"github.com/authchaos/authchaos/internal/config"
)

// The configuration and clock types live in internal packages so the
// command line and the server share one parser; these aliases and options
// are how code outside this module (an SDK's own tests) names them.

type (
	// Config is the whole configuration, as the YAML file holds it.
	Config = config.File
	// Lifetimes say how long issued credentials stay valid.
	Lifetimes = config.Lifetimes
	// User is an account for password logins, Basic and sessions.
	User = config.User
	// Client is an OAuth client.
	Client = config.Client
	// APIKey is a static key acting for a user.
	APIKey = config.APIKey
	// Route is a protected (or public) endpoint of the fake API.
	Route = config.Route
	// ScenarioConfig is a scenario to activate at start, with parameters.
	ScenarioConfig = config.Scenario
	// Duration is a lifetime written as a Go duration string in YAML.
	Duration = config.Duration
	// ConfigError says which file, line and field of a config is wrong.
	ConfigError = config.Error
)

// DefaultConfig returns the embedded defaults `authchaos serve` runs with:
// a fresh copy each call, safe to modify.
func DefaultConfig() *Config { return config.Default() }

// LoadConfig reads and validates a YAML configuration file. Errors name
// the file, the line and the field (errors.As a *ConfigError).
func LoadConfig(path string) (*Config, error) { return config.Load(path) }

// WithFrozenClock starts the virtual clock at t and keeps it there until
// the test advances it: expiry happens when the test says, never because
// the machine was slow.
func WithFrozenClock(t time.Time) Option { return WithClock(clock.Frozen(t)) }
