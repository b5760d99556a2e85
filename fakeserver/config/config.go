package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"gopkg.in/yaml.v3"
)

// File is the whole configuration of the fake server.
type File struct {
	Addr       string     `yaml:"addr"`  // listen address, default "127.0.0.1:8401"
	Realm      string     `yaml:"realm"` // default "authchaos"
	Lifetimes  Lifetimes  `yaml:"lifetimes"`
	Users      []User     `yaml:"users"`
	Clients    []Client   `yaml:"clients"`
	APIKeys    []APIKey   `yaml:"api_keys"`
	Routes     []Route    `yaml:"routes"`
	Scenarios  []Scenario `yaml:"scenarios"`   // active at start, in order
	JournalCap int        `yaml:"journal_cap"` // default 10000
	// TokenFormat is what access tokens look like: "jwt" (default),
	// ES256-signed JWTs a resource server verifies with /jwks, or
	// "opaque", random strings only introspection (RFC 7662) explains.
	TokenFormat TokenFormat `yaml:"token_format"`
}

// TokenFormat is the form of issued access tokens.
type TokenFormat string

// Token formats.
const (
	JWTTokens    TokenFormat = "jwt"
	OpaqueTokens TokenFormat = "opaque"
)

// Lifetimes says how long issued credentials stay valid.
type Lifetimes struct {
	AccessToken  Duration `yaml:"access_token"`  // default 5m
	RefreshToken Duration `yaml:"refresh_token"` // default 24h
	Session      Duration `yaml:"session"`       // default 30m
	OTP          Duration `yaml:"otp"`           // default 30s
}

// User is an account for password logins, Basic auth and session cookies.
type User struct {
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	Scopes   []string `yaml:"scopes"`
	Roles    []string `yaml:"roles"`
}

// Client is an OAuth client.
type Client struct {
	ID           string   `yaml:"id"`
	Secret       string   `yaml:"secret"`
	RedirectURIs []string `yaml:"redirect_uris"`
	Scopes       []string `yaml:"scopes"`
}

// APIKey is a static key that acts on behalf of a user.
type APIKey struct {
	Key    string   `yaml:"key"`
	Owner  string   `yaml:"owner"` // must name a user
	Scopes []string `yaml:"scopes"`
}

// Route is a protected (or public) endpoint of the fake API.
type Route struct {
	Path    string   `yaml:"path"`    // must start with "/api/"
	Methods []string `yaml:"methods"` // default [GET]; valid: GET HEAD POST PUT PATCH DELETE
	Schemes []string `yaml:"schemes"` // subset of Bearer, Basic, ApiKey, Cookie; default all four
	Scopes  []string `yaml:"scopes"`  // all required
	Roles   []string `yaml:"roles"`   // all required (missing role => 403 at runtime)
	Public  bool     `yaml:"public"`
}

// Scenario is a chaos scenario to activate at start.
type Scenario struct {
	ID     string            `yaml:"id"`
	Params map[string]string `yaml:"params"`
}

const (
	defaultAddr       = "127.0.0.1:8401"
	defaultRealm      = "authchaos"
	defaultJournalCap = 10000
)

var defaultLifetimes = Lifetimes{
	AccessToken:  Duration(5 * time.Minute),
	RefreshToken: Duration(24 * time.Hour),
	Session:      Duration(30 * time.Minute),
	OTP:          Duration(30 * time.Second),
}

// Default returns the built-in configuration: the demo users, client, API
// key and routes described in the package documentation. Each call returns
// a fresh copy that the caller may modify.
func Default() *File {
	f := demoFile()
	if errs := f.check("built-in defaults", nil); len(errs) > 0 {
		// Only an edit to demoFile can get here, and the tests call
		// Default, so this never reaches a user.
		panic(joinErrors(errs))
	}
	return f
}

func demoFile() *File {
	all := func() []string { return append([]string(nil), schemeNames...) }
	return &File{
		Addr:      defaultAddr,
		Realm:     defaultRealm,
		Lifetimes: defaultLifetimes,
		Users: []User{
			{Username: "alice", Password: "wonderland", Scopes: []string{"read", "write"}},
			{Username: "bob", Password: "builder", Scopes: []string{"read"}, Roles: []string{"admin"}},
		},
		Clients: []Client{{
			ID:           "authchaos-client",
			Secret:       "authchaos-secret",
			RedirectURIs: []string{"http://127.0.0.1:8400/callback"},
			Scopes:       []string{"read", "write", "admin"},
		}},
		APIKeys: []APIKey{
			{Key: "ak_live_authchaos_demo_key", Owner: "alice", Scopes: []string{"read"}},
		},
		Routes: []Route{
			{Path: "/api/me", Methods: []string{"GET"}, Schemes: all()},
			{Path: "/api/items", Methods: []string{"GET"}, Schemes: all(), Scopes: []string{"read"}},
			{Path: "/api/items", Methods: []string{"POST"}, Schemes: all(), Scopes: []string{"write"}},
			{Path: "/api/admin", Methods: []string{"GET"}, Schemes: all(), Roles: []string{"admin"}},
			{Path: "/api/public/status", Methods: []string{"GET"}, Schemes: all(), Public: true},
		},
		JournalCap:  defaultJournalCap,
		TokenFormat: JWTTokens,
	}
}

// maxFileSize keeps `--config /dev/zero` or a mistyped path to a log file
// from eating memory; real configs are a few kilobytes.
const maxFileSize = 4 << 20

// Load reads and parses the file at path. Errors name path as given.
func Load(path string, opts ...Option) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("file is larger than %d MiB; is this the right file?", maxFileSize>>20)}
	}
	return Parse(path, data, opts...)
}

// Option adjusts how a file is checked.
type Option func(*options)

type options struct {
	scenario func(id string, params map[string]string) error
}

// CheckScenarios validates each scenarios entry with check (the catalog
// knows the ids and parameters; this package does not), so a wrong id or
// parameter is reported at its line like any other mistake.
func CheckScenarios(check func(id string, params map[string]string) error) Option {
	return func(o *options) { o.scenario = check }
}

var fileType = reflect.TypeOf(File{})

// Parse parses data as a configuration file; name is used in errors only.
// The result has all defaults filled in and has passed validation.
func Parse(name string, data []byte, opts ...Option) (*File, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if name == "" {
		name = "config"
	}
	root, perr := parseDocument(name, data)
	if perr != nil {
		return nil, perr
	}
	if root == nil || isNull(root) {
		return Default(), nil
	}

	// Check the shape first: decoding a half-wrong file and then running
	// the semantic checks on it would bury the real mistake under
	// follow-on errors about fields that merely failed to decode.
	w := newWalker(name)
	w.walk(root, fileType, "", false)
	if len(w.errs) > 0 {
		return nil, joinErrors(w.errs)
	}

	var f File
	if err := decodeStrict(data, &f); err != nil {
		return nil, joinErrors(decodeErrors(name, data, err))
	}
	f.fillDefaults()
	errs := f.check(name, w.pos)
	if o.scenario != nil {
		c := &checker{file: name, pos: w.pos}
		for i, sc := range f.Scenarios {
			if err := o.scenario(sc.ID, sc.Params); err != nil {
				c.errorf(indexPath("scenarios", i), "%v", err)
			}
		}
		errs = append(errs, c.errs...)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	f.normalize()
	return &f, nil
}

// decodeStrict is the actual decode. KnownFields stays on even though the
// walk already rejected unknown fields, so the two can never disagree
// silently if a field is added to a struct and the walk misses it.
func decodeStrict(data []byte, f *File) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(f)
}

// parseDocument returns the root node of the only document in data, nil
// for a file with no document at all. A second document is an error
// rather than ignored: it is almost always a paste accident, and
// silently dropping half the file is the worst outcome.
func parseDocument(name string, data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(name, data, err)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, syntaxError(name, data, err)
		}
		if len(next.Content) > 0 && !isNull(next.Content[0]) {
			return nil, &Error{File: name, Line: next.Line, Column: next.Column,
				Msg: `found a second YAML document after "---", want exactly one (merge them or remove the separator)`}
		}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// fillDefaults applies the defaults described in the package doc. It runs
// before validation so that checks such as duplicate method detection see
// the effective route table.
func (f *File) fillDefaults() {
	if f.Addr == "" {
		f.Addr = defaultAddr
	}
	if f.Realm == "" {
		f.Realm = defaultRealm
	}
	if f.JournalCap == 0 {
		f.JournalCap = defaultJournalCap
	}
	if f.TokenFormat == "" {
		f.TokenFormat = JWTTokens
	}
	lt, d := &f.Lifetimes, defaultLifetimes
	for _, p := range []struct {
		v   *Duration
		def Duration
	}{
		{&lt.AccessToken, d.AccessToken},
		{&lt.RefreshToken, d.RefreshToken},
		{&lt.Session, d.Session},
		{&lt.OTP, d.OTP},
	} {
		if *p.v == 0 {
			*p.v = p.def
		}
	}
	// nil means omitted (or written as a bare "users:"); an explicit []
	// decodes to an empty non-nil slice and counts as given.
	if f.Users == nil && f.Clients == nil && f.APIKeys == nil && f.Routes == nil {
		demo := demoFile()
		f.Users, f.Clients, f.APIKeys, f.Routes = demo.Users, demo.Clients, demo.APIKeys, demo.Routes
	}
	for i := range f.Routes {
		r := &f.Routes[i]
		if len(r.Methods) == 0 {
			r.Methods = []string{"GET"}
		}
		if len(r.Schemes) == 0 {
			r.Schemes = append([]string(nil), schemeNames...)
		}
	}
}

// normalize turns empty lists and maps into nil, so that a File that went
// through Marshal and Parse compares equal to the original no matter
// whether a list was written as [] or left out.
func (f *File) normalize() {
	nilIfEmpty := func(s *[]string) {
		if len(*s) == 0 {
			*s = nil
		}
	}
	for i := range f.Users {
		nilIfEmpty(&f.Users[i].Scopes)
		nilIfEmpty(&f.Users[i].Roles)
	}
	for i := range f.Clients {
		nilIfEmpty(&f.Clients[i].RedirectURIs)
		nilIfEmpty(&f.Clients[i].Scopes)
	}
	for i := range f.APIKeys {
		nilIfEmpty(&f.APIKeys[i].Scopes)
	}
	for i := range f.Routes {
		nilIfEmpty(&f.Routes[i].Scopes)
		nilIfEmpty(&f.Routes[i].Roles)
	}
	for i := range f.Scenarios {
		if len(f.Scenarios[i].Params) == 0 {
			f.Scenarios[i].Params = nil
		}
	}
	if len(f.Users) == 0 {
		f.Users = nil
	}
	if len(f.Clients) == 0 {
		f.Clients = nil
	}
	if len(f.APIKeys) == 0 {
		f.APIKeys = nil
	}
	if len(f.Routes) == 0 {
		f.Routes = nil
	}
	if len(f.Scenarios) == 0 {
		f.Scenarios = nil
	}
}

// Marshal writes f as YAML that Parse reads back to an equal File, with
// durations as strings, for `authchaos serve --print-config`.
func Marshal(f *File) ([]byte, error) {
	if f == nil {
		return nil, errors.New("config: Marshal of nil *File")
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return buf.Bytes(), nil
}
