// Package scenarios is the catalog of 401 failure modes.
//
// Each failure mode is one file in this package: a Scenario value that says
// what happens (for a workshop), how a correct client recovers, which fault
// it installs in the fake server, and the workload the recovery suites run
// to judge a client. Files register themselves in init, so the admin API,
// `authchaos scenarios`, the README table and the suites all read the same
// registry and cannot drift apart.
package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/suites/adapter"
)

// Recovery is what a correct client does when the scenario bites.
type Recovery string

// The recovery kinds of the public contract.
const (
	Refresh      Recovery = "refresh"
	Relogin      Recovery = "relogin"
	FailFast     Recovery = "fail-fast"
	Backoff      Recovery = "backoff"
	SwitchScheme Recovery = "switch-scheme"
	StepUp       Recovery = "step-up"
	NoLeak       Recovery = "no-leak"
	NonceRetry   Recovery = "nonce-retry"
	Discover     Recovery = "discover"
	Poll         Recovery = "poll"
)

// Recoveries lists every kind with the behaviour the suites check.
var Recoveries = map[Recovery]string{
	Refresh:      "gets a new access token, retries the failed call once, succeeds; one token request per expiry, even under concurrent calls",
	Relogin:      "authenticates again with its primary credentials, retries, succeeds; no loop",
	FailFast:     "at most one extra attempt; no retry loop, no password guessing, no lock-out; an error that names the cause (an advisory: --strict fails on it)",
	Backoff:      "keeps its credentials, waits as Retry-After says, retries, succeeds",
	SwitchScheme: "reads WWW-Authenticate and resends with the scheme asked for if it holds such a credential, else fails fast naming the scheme",
	StepUp:       "asks for a token with the scope named in insufficient_scope (or, on insufficient_user_authentication, authenticates again as acr_values / max_age say), retries, succeeds",
	NoLeak:       "never sends a credential to another origin; same-origin redirects still succeed",
	NonceRetry:   "retries once with the nonce the server supplied (DPoP-Nonce, Digest stale=true); no new credential, no loop",
	Discover:     "follows resource_metadata from the 401 (RFC 9728) to the authorization server (RFC 8414), gets a token for the resource (RFC 8707), retries once, succeeds",
	Poll:         "device flow (RFC 8628): polls at the interval, slows down by 5 s on slow_down, stops with an error naming expired_token or access_denied",
}

// Explain is the teaching text of a scenario.
type Explain struct {
	Symptom   string `json:"symptom"`    // what the user or client sees
	Cause     string `json:"cause"`      // why it happens in production
	UserFix   string `json:"user_fix"`   // what the client side should do
	OwnerFix  string `json:"owner_fix"`  // what the server owner should do
	TellApart string `json:"tell_apart"` // how to tell it from its neighbours
}

// String renders the teaching text as one plain block.
func (e Explain) String() string {
	var b strings.Builder
	for _, s := range []struct{ h, t string }{
		{"What you see", e.Symptom}, {"Why it happens", e.Cause},
		{"Fix it in the client", e.UserFix}, {"Fix it on the server", e.OwnerFix},
		{"Tell it apart", e.TellApart},
	} {
		fmt.Fprintf(&b, "%s: %s\n", s.h, s.t)
	}
	return strings.TrimSpace(b.String())
}

// ParamKind is what a parameter's value is; Resolve checks it, so Install
// never sees a value of the wrong kind or out of range.
type ParamKind string

// Parameter kinds.
const (
	DurationParam ParamKind = "duration" // time.ParseDuration syntax, within [Min, Max]
	IntParam      ParamKind = "int"      // a decimal integer, within [Min, Max]
	EnumParam     ParamKind = "enum"     // one of Values
	StringParam   ParamKind = "string"   // free text, at most MaxStringParam bytes
)

// MaxStringParam bounds a string parameter: a path, a user, a domain.
const MaxStringParam = 256

// Param is a setting of a scenario where real systems vary. It documents
// itself: `authchaos scenarios --json` and the admin API show the kind,
// range or choices, and every error names them.
type Param struct {
	Name    string    `json:"name"`
	Default string    `json:"default"`
	Help    string    `json:"help"`
	Kind    ParamKind `json:"kind"`
	// Min and Max bound a duration or an int, in the value's own syntax
	// ("1s", "24h"; "0", "100"). Both are required for those kinds: no
	// parameter is unbounded.
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
	// Values are the choices of an enum.
	Values []string `json:"values,omitempty"`
}

// check validates v against the parameter's kind and range.
func (prm Param) check(v string) error {
	switch prm.Kind {
	case DurationParam:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration (want e.g. \"30s\", \"5m\")", v)
		}
		lo, _ := time.ParseDuration(prm.Min) // checked at Register
		hi, _ := time.ParseDuration(prm.Max)
		if d < lo || d > hi {
			return fmt.Errorf("%s is out of range (%s to %s)", v, prm.Min, prm.Max)
		}
	case IntParam:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		lo, _ := strconv.Atoi(prm.Min)
		hi, _ := strconv.Atoi(prm.Max)
		if n < lo || n > hi {
			return fmt.Errorf("%d is out of range (%s to %s)", n, prm.Min, prm.Max)
		}
	case EnumParam:
		if !slices.Contains(prm.Values, v) {
			return fmt.Errorf("%q is not valid (valid: %s)", v, strings.Join(prm.Values, ", "))
		}
	case StringParam:
		if len(v) > MaxStringParam {
			return fmt.Errorf("is %d bytes long (at most %d)", len(v), MaxStringParam)
		}
	default:
		return fmt.Errorf("has no kind")
	}
	return nil
}

// validate catches a parameter declared wrong, at Register.
func (prm Param) validate() error {
	switch prm.Kind {
	case DurationParam, IntParam:
		parse := func(x string) error { _, err := time.ParseDuration(x); return err }
		if prm.Kind == IntParam {
			parse = func(x string) error { _, err := strconv.Atoi(x); return err }
		}
		if prm.Min == "" || prm.Max == "" || parse(prm.Min) != nil || parse(prm.Max) != nil {
			return fmt.Errorf("parameter %s: a %s needs Min and Max in its own syntax", prm.Name, prm.Kind)
		}
	case EnumParam:
		if len(prm.Values) == 0 {
			return fmt.Errorf("parameter %s: an enum needs Values", prm.Name)
		}
	case StringParam:
	default:
		return fmt.Errorf("parameter %s: Kind is required (duration, int, enum or string)", prm.Name)
	}
	if err := prm.check(prm.Default); err != nil {
		return fmt.Errorf("parameter %s: default %w", prm.Name, err)
	}
	return nil
}

// Params are a scenario's settings, defaults already applied.
type Params map[string]string

// Duration reads a duration parameter.
func (p Params) Duration(name string) time.Duration {
	d, _ := time.ParseDuration(p[name]) // validated by Resolve
	return d
}

// Int reads an integer parameter.
func (p Params) Int(name string) int {
	n, _ := strconv.Atoi(p[name]) // validated by Resolve
	return n
}

// Scenario is one failure mode.
type Scenario struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Recovery Recovery `json:"recovery"`
	// Summary is one line: what the fake server does.
	Summary string   `json:"summary"`
	Explain Explain  `json:"-"`
	Sources []string `json:"sources"`
	Params  []Param  `json:"params,omitempty"`
	// Install puts the fault in place. It runs on a freshly reset server.
	Install func(env fault.Env, p Params) error `json:"-"`
	// Workload is what the suites make a client do, and what they expect.
	Workload Workload `json:"-"`

	// Adapt fits the workload to parameters other than the defaults (a
	// longer lifetime needs a longer clock move; another kind of
	// credential another auth kind). Nil when the workload fits them all.
	Adapt func(w *Workload, p Params) `json:"-"`
	// Variants are parameter sets besides the defaults that a correct
	// client must survive too; `run --variants` judges them all.
	Variants []Variant `json:"variants,omitempty"`
	// Given are the parameters a variant sets (nil for the defaults).
	Given map[string]string `json:"-"`
}

// Variant is one parameter set a correct client must survive.
type Variant struct {
	Params map[string]string `json:"params"`
	// Why says what the variant adds to the defaults.
	Why string `json:"why"`
}

// Label names a scenario as `run --scenario` takes it: the id, then
// ":k=v,..." for a variant, keys sorted.
func (s *Scenario) Label() string { return Label(s.ID, s.Given) }

// Label renders an id and parameters as `id:k=v,...`, keys sorted.
func Label(id string, given map[string]string) string {
	if len(given) == 0 {
		return id
	}
	keys := make([]string, 0, len(given))
	for k := range given {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + given[k]
	}
	return id + ":" + strings.Join(parts, ",")
}

// ParseLabel splits `id:k=v,...` into the id and its parameters: the one
// parser of that syntax, for run --scenario, serve --scenario and
// AUTHCHAOS_SCENARIO alike. Spaces around names and values are dropped.
func ParseLabel(label string) (string, map[string]string, error) {
	id, rest, found := strings.Cut(label, ":")
	id = strings.TrimSpace(id)
	if id == "" {
		return "", nil, fmt.Errorf("scenario %q: no scenario id (want ID or ID:key=value,...)", label)
	}
	if !found {
		return id, nil, nil
	}
	if strings.TrimSpace(rest) == "" {
		return "", nil, fmt.Errorf("scenario %q: nothing after \":\" (want id:key=value,...)", label)
	}
	given := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return "", nil, fmt.Errorf("scenario %q: %q is not key=value", label, kv)
		}
		if _, dup := given[k]; dup {
			return "", nil, fmt.Errorf("scenario %q: parameter %s given twice", label, k)
		}
		given[k] = strings.TrimSpace(v)
	}
	return id, given, nil
}

// With returns the scenario as a variant: the parameters checked as
// Resolve checks them, the workload adapted to them. The catalog entry
// is not changed. No parameters returns the scenario itself.
func (s *Scenario) With(given map[string]string) (*Scenario, error) {
	if len(given) == 0 {
		return s, nil
	}
	_, p, err := Resolve(s.ID, given)
	if err != nil {
		return nil, err
	}
	v := *s
	v.Given = given
	v.Workload = s.Workload.clone()
	if s.Adapt != nil {
		s.Adapt(&v.Workload, p)
	}
	return &v, nil
}

// VariantsOf returns the scenario's declared variants, ready to run.
func (s *Scenario) VariantsOf() ([]*Scenario, error) {
	var out []*Scenario
	for _, v := range s.Variants {
		sc, err := s.With(v.Params)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: variant %s: %w", s.ID, Label(s.ID, v.Params), err)
		}
		out = append(out, sc)
	}
	return out, nil
}

func (w Workload) clone() Workload {
	w.Scopes = append([]string(nil), w.Scopes...)
	w.Steps = append([]Step(nil), w.Steps...)
	w.Omit = append([]string(nil), w.Omit...)
	w.Expect.ErrorNames = append([]string(nil), w.Expect.ErrorNames...)
	return w
}

// Workload is the scripted run the suites drive a client through.
type Workload struct {
	// Auth is the adapter auth kind the client is configured with.
	Auth adapter.AuthKind
	// Scopes the client asks for; default ["read"].
	Scopes []string
	// Password overrides the default user's (wrong-password). Other
	// credentials come from the scenario's fixtures (client-mismatch).
	Password string
	// StoredToken starts the client from the fixtures "access_token" and
	// "refresh_token".
	StoredToken bool
	// OTP gives the client an otp_url to read one-time codes from.
	OTP bool
	// DPoP asks the client to bind its tokens to a key (target dpop).
	DPoP bool
	// Discover gives the client only the API (target resource_url) and
	// its client credentials: no token, login or authorize URL.
	Discover bool
	// Omit leaves these target fields (driver-protocol names, such as
	// "api_key") out, for a client that holds no such credential.
	Omit  []string
	Steps []Step
	// Expect says what the final call must end as.
	Expect Expect
}

// Step is one thing the workload does. Exactly one field is set.
type Step struct {
	Call    *Call
	Advance time.Duration // move the server's virtual clock
	Action  fault.Action  // an operator action (rotate the key...)
	Arg     string        // the action's argument
}

// Call is one API call, made Concurrency times at once (default 1).
type Call struct {
	Method      string
	Path        string
	Body        string
	Concurrency int
	// MayFail marks a call a correct client may refuse (a redirect to
	// another origin): it is judged on what it sent, not on its outcome.
	MayFail bool
}

// Expect is the outcome a correct client shows.
type Expect struct {
	// Status says whether the last call succeeds: 2xx for recoveries
	// that succeed; for fail-fast, the status the API refuses with, for
	// the reader only — the suites never pin the status a client
	// reports, since the answer to its one allowed recovery (a refresh
	// answered 400 invalid_grant) reports the failure as well as the
	// API's 401 does.
	Status int
	// ErrorNames are words that name the cause, one of which an
	// informative client hands its caller, in its error or in the body
	// it returns (case-insensitive; query strings are not read, since
	// they are the request, not the answer). Missing them is an
	// advisory, never a failure. Each list holds the server's machine
	// reason and the words of its error_description, page or challenge
	// that say what is wrong, and never a bare status code, which
	// names no cause.
	ErrorNames []string
}

// Convenience constructors keep scenario files short.

// Get is a single GET call step.
func Get(path string) Step { return Step{Call: &Call{Method: "GET", Path: path}} }

// GetN is n concurrent GET calls.
func GetN(path string, n int) Step {
	return Step{Call: &Call{Method: "GET", Path: path, Concurrency: n}}
}

// MayFail marks a call step as one a correct client may refuse.
func MayFail(st Step) Step {
	c := *st.Call
	c.MayFail = true
	st.Call = &c
	return st
}

// Advance moves the virtual clock.
func Advance(d time.Duration) Step { return Step{Advance: d} }

// Do performs an operator action.
func Do(a fault.Action, arg string) Step { return Step{Action: a, Arg: arg} }

var (
	mu       sync.RWMutex
	registry = map[string]*Scenario{}
)

// Register adds a scenario to the catalog. It panics on a programming
// error (duplicate id, missing field), which init-time registration turns
// into a failed build of every test.
func Register(s *Scenario) {
	if err := s.validate(); err != nil {
		panic("scenarios: " + err.Error())
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[s.ID]; dup {
		panic("scenarios: duplicate id " + s.ID)
	}
	registry[s.ID] = s
}

func (s *Scenario) validate() error {
	switch {
	case s.ID == "" || s.Title == "" || s.Category == "" || s.Summary == "":
		return fmt.Errorf("scenario %q: id, title, category and summary are required", s.ID)
	case Recoveries[s.Recovery] == "":
		return fmt.Errorf("scenario %s: unknown recovery %q", s.ID, s.Recovery)
	case s.Explain.Symptom == "" || s.Explain.Cause == "" || s.Explain.UserFix == "" || s.Explain.OwnerFix == "" || s.Explain.TellApart == "":
		return fmt.Errorf("scenario %s: every part of Explain is required", s.ID)
	case len(s.Sources) == 0:
		return fmt.Errorf("scenario %s: sources are required", s.ID)
	case s.Install == nil:
		return fmt.Errorf("scenario %s: Install is required", s.ID)
	case len(s.Workload.Steps) == 0:
		return fmt.Errorf("scenario %s: a workload is required", s.ID)
	}
	for _, prm := range s.Params {
		if err := prm.validate(); err != nil {
			return fmt.Errorf("scenario %s: %w", s.ID, err)
		}
	}
	for _, v := range s.Variants {
		if len(v.Params) == 0 || v.Why == "" {
			return fmt.Errorf("scenario %s: a variant needs parameters and a why", s.ID)
		}
	}
	return nil
}

// All returns the catalog sorted by category, then id.
func All() []*Scenario {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// IDs returns every id, sorted.
func IDs() []string {
	var ids []string
	for _, s := range All() {
		ids = append(ids, s.ID)
	}
	sort.Strings(ids)
	return ids
}

// Lookup finds a scenario by id.
func Lookup(id string) (*Scenario, bool) {
	mu.RLock()
	defer mu.RUnlock()
	s, ok := registry[id]
	return s, ok
}

// UnknownError is returned for an id that is not in the catalog.
type UnknownError struct{ ID string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown scenario %q (valid: %s)", e.ID, strings.Join(IDs(), ", "))
}

// Resolve finds a scenario and applies defaults to its parameters,
// rejecting unknown names and values that do not parse.
func Resolve(id string, given map[string]string) (*Scenario, Params, error) {
	s, ok := Lookup(id)
	if !ok {
		return nil, nil, &UnknownError{ID: id}
	}
	p := Params{}
	known := map[string]bool{}
	var names []string
	for _, prm := range s.Params {
		p[prm.Name] = prm.Default
		known[prm.Name] = true
		names = append(names, prm.Name)
	}
	for k, v := range given {
		if !known[k] {
			if len(names) == 0 {
				return nil, nil, fmt.Errorf("scenario %s: unknown parameter %q (it takes none)", id, k)
			}
			return nil, nil, fmt.Errorf("scenario %s: unknown parameter %q (valid: %s)", id, k, strings.Join(names, ", "))
		}
		p[k] = v
	}
	for _, prm := range s.Params {
		if err := prm.check(p[prm.Name]); err != nil {
			return nil, nil, fmt.Errorf("scenario %s: parameter %s: %w", id, prm.Name, err)
		}
	}
	return s, p, nil
}

// Adapters for Scenario.Adapt that several scenarios share.

// PastLifetime moves every clock advance of the workload to just past
// the duration parameter name, so a variant with a longer lifetime still
// sees its credential die.
func PastLifetime(name string) func(w *Workload, p Params) {
	return func(w *Workload, p Params) {
		for i, st := range w.Steps {
			if st.Advance != 0 {
				w.Steps[i].Advance = p.Duration(name) + time.Minute
			}
		}
	}
}

// AfterCalls repeats the workload's first call so that the integer
// parameter name of calls succeed before the fault bites on the next.
func AfterCalls(name string) func(w *Workload, p Params) {
	return func(w *Workload, p Params) {
		n := max(p.Int(name), 1)
		steps := make([]Step, 0, n+len(w.Steps)-1)
		for range n {
			steps = append(steps, w.Steps[0])
		}
		steps = append(steps, w.Steps[1:]...)
		w.Steps = steps
	}
}

// Chain runs adapters in order.
func Chain(adapts ...func(w *Workload, p Params)) func(w *Workload, p Params) {
	return func(w *Workload, p Params) {
		for _, a := range adapts {
			a(w, p)
		}
	}
}
