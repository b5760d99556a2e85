package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	f := Default()
	if f.Addr != "127.0.0.1:8401" || f.Realm != "authchaos" || f.JournalCap != 10000 {
		t.Errorf("scalars = %q %q %d", f.Addr, f.Realm, f.JournalCap)
	}
	wantLT := Lifetimes{
		AccessToken:  Duration(5 * time.Minute),
		RefreshToken: Duration(24 * time.Hour),
		Session:      Duration(30 * time.Minute),
		OTP:          Duration(30 * time.Second),
	}
	if f.Lifetimes != wantLT {
		t.Errorf("lifetimes = %+v", f.Lifetimes)
	}
	wantUsers := []User{
		{Username: "alice", Password: "wonderland", Scopes: []string{"read", "write"}},
		{Username: "bob", Password: "builder", Scopes: []string{"read"}, Roles: []string{"admin"}},
	}
	if !reflect.DeepEqual(f.Users, wantUsers) {
		t.Errorf("users = %+v", f.Users)
	}
	wantClients := []Client{{
		ID: "authchaos-client", Secret: "authchaos-secret",
		RedirectURIs: []string{"http://127.0.0.1:8400/callback"},
		Scopes:       []string{"read", "write", "admin"},
	}}
	if !reflect.DeepEqual(f.Clients, wantClients) {
		t.Errorf("clients = %+v", f.Clients)
	}
	wantKeys := []APIKey{{Key: "ak_live_authchaos_demo_key", Owner: "alice", Scopes: []string{"read"}}}
	if !reflect.DeepEqual(f.APIKeys, wantKeys) {
		t.Errorf("api keys = %+v", f.APIKeys)
	}
	all := []string{"Bearer", "Basic", "ApiKey", "Cookie"}
	wantRoutes := []Route{
		{Path: "/api/me", Methods: []string{"GET"}, Schemes: all},
		{Path: "/api/items", Methods: []string{"GET"}, Schemes: all, Scopes: []string{"read"}},
		{Path: "/api/items", Methods: []string{"POST"}, Schemes: all, Scopes: []string{"write"}},
		{Path: "/api/admin", Methods: []string{"GET"}, Schemes: all, Roles: []string{"admin"}},
		{Path: "/api/public/status", Methods: []string{"GET"}, Schemes: all, Public: true},
	}
	if !reflect.DeepEqual(f.Routes, wantRoutes) {
		t.Errorf("routes = %+v", f.Routes)
	}
	if f.Scenarios != nil {
		t.Errorf("scenarios = %+v", f.Scenarios)
	}
}

func TestDefaultIsAFreshCopy(t *testing.T) {
	a := Default()
	a.Users[0].Scopes[0] = "mutated"
	a.Routes[0].Schemes[0] = "mutated"
	b := Default()
	if b.Users[0].Scopes[0] != "read" || b.Routes[0].Schemes[0] != "Bearer" {
		t.Fatal("Default shares memory between calls")
	}
}

func TestEmptyFilesGiveDefault(t *testing.T) {
	for _, in := range []string{"", "\n\n", "# just a comment\n", "---\n", "~\n", "{}\n", "lifetimes: {}\n", "users:\nroutes:\n"} {
		f, err := Parse("config.yaml", []byte(in))
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if !reflect.DeepEqual(f, Default()) {
			t.Errorf("Parse(%q) = %+v, want Default()", in, f)
		}
	}
}

func TestScalarDefaultsFillIndividually(t *testing.T) {
	f := mustParse(t, "addr: ':0'\nlifetimes:\n  otp: 10s\njournal_cap: 0\n")
	want := Default()
	want.Addr = ":0"
	want.Lifetimes.OTP = Duration(10 * time.Second)
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got %+v\nwant %+v", f, want)
	}
}

func TestListsReplaceDefaultsAsAUnit(t *testing.T) {
	f := mustParse(t, "users:\n  - username: carol\n    password: pw\n")
	if len(f.Users) != 1 || f.Users[0].Username != "carol" {
		t.Errorf("users = %+v", f.Users)
	}
	if f.Clients != nil || f.APIKeys != nil || f.Routes != nil {
		t.Errorf("omitted lists should be empty once one list is given: %+v %+v %+v", f.Clients, f.APIKeys, f.Routes)
	}

	// An explicit [] counts as given.
	f = mustParse(t, "routes: []\n")
	if f.Users != nil || f.Routes != nil {
		t.Errorf("routes: [] should opt out of the demo lists, got %+v %+v", f.Users, f.Routes)
	}
}

func TestRouteDefaults(t *testing.T) {
	f := mustParse(t, `
routes:
  - path: /api/a
    methods: []
  - path: /api/b
    methods: [post, Delete]
    schemes: [bearer, APIKEY]
`[1:])
	r := f.Routes
	if !reflect.DeepEqual(r[0].Methods, []string{"GET"}) || !reflect.DeepEqual(r[0].Schemes, schemeNames) {
		t.Errorf("route 0 = %+v", r[0])
	}
	if !reflect.DeepEqual(r[1].Methods, []string{"POST", "DELETE"}) || !reflect.DeepEqual(r[1].Schemes, []string{"Bearer", "ApiKey"}) {
		t.Errorf("route 1 = %+v", r[1])
	}
}

func TestFullFile(t *testing.T) {
	path := filepath.Join("testdata", "full.yaml")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Addr != "0.0.0.0:9401" || f.Realm != "chaos-lab" || f.JournalCap != 500 {
		t.Errorf("scalars = %q %q %d", f.Addr, f.Realm, f.JournalCap)
	}
	if f.Lifetimes.AccessToken.D() != 90*time.Second || f.Lifetimes.OTP.D() != 90*time.Second ||
		f.Lifetimes.RefreshToken.D() != 12*time.Hour || f.Lifetimes.Session.D() != 45*time.Minute {
		t.Errorf("lifetimes = %+v", f.Lifetimes)
	}
	if len(f.Users) != 3 || f.Users[2].Password != "p@ss: word # not a comment" ||
		!reflect.DeepEqual(f.Users[2].Scopes, []string{"read", "write"}) || f.Users[0].Roles != nil {
		t.Errorf("users = %+v", f.Users)
	}
	if len(f.Clients) != 2 || len(f.Clients[0].RedirectURIs) != 2 || f.Clients[1].Scopes != nil {
		t.Errorf("clients = %+v", f.Clients)
	}
	if len(f.APIKeys) != 2 || f.APIKeys[1].Owner != "carol@example.com" {
		t.Errorf("api keys = %+v", f.APIKeys)
	}
	wantRoutes := []Route{
		{Path: "/api/items", Methods: []string{"GET", "HEAD"}, Schemes: []string{"Bearer", "ApiKey"}, Scopes: []string{"read"}},
		{Path: "/api/items", Methods: []string{"POST", "PUT", "PATCH", "DELETE"}, Schemes: []string{"Bearer", "ApiKey"}, Scopes: []string{"write"}},
		{Path: "/api/admin/users", Methods: []string{"GET"}, Schemes: schemeNames, Roles: []string{"admin"}},
		{Path: "/api/health", Methods: []string{"GET"}, Schemes: schemeNames, Public: true},
	}
	if !reflect.DeepEqual(f.Routes, wantRoutes) {
		t.Errorf("routes =\n%+v\nwant\n%+v", f.Routes, wantRoutes)
	}
	wantScen := []Scenario{
		{ID: "expire-early", Params: map[string]string{"after": "10s", "ratio": "0.5"}},
		{ID: "clock-skew"},
	}
	if !reflect.DeepEqual(f.Scenarios, wantScen) {
		t.Errorf("scenarios = %+v", f.Scenarios)
	}
	assertRoundTrip(t, f)
}

func TestMarshalRoundTrip(t *testing.T) {
	assertRoundTrip(t, Default())

	out, err := Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"access_token: 5m\n", "refresh_token: 24h\n", "otp: 30s\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("Marshal output lacks %q:\n%s", want, out)
		}
	}
	if _, err := Marshal(nil); err == nil {
		t.Error("Marshal(nil) succeeded")
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute:                     "5m",
		24 * time.Hour:                      "24h",
		90 * time.Minute:                    "1h30m",
		90 * time.Second:                    "1m30s",
		time.Hour + time.Second:             "1h0m1s",
		1500 * time.Millisecond:             "1.5s",
		250 * time.Millisecond:              "250ms",
		10*time.Hour + 10*time.Minute:       "10h10m",
		100*time.Hour + 30*time.Second:      "100h0m30s",
		time.Duration(1<<63 - 1):            time.Duration(1<<63 - 1).String(),
		time.Duration(3) * time.Microsecond: "3µs",
	} {
		got := formatDuration(d)
		if got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v is not fs.ErrNotExist", err)
	}
}

func TestLoadNamesFileInErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("journal_cap: -1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+" line 1: journal_cap: ") {
		t.Errorf("Load error = %v", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, make([]byte, maxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "larger than") {
		t.Errorf("Load error = %v", err)
	}
}

// errCase is one bad file and the single problem it must produce.
type errCase struct {
	name  string
	in    string
	line  int
	field string // exact Error.Field
	msg   string // substring of Error.Msg
	text  string // if set, the exact Error() text
}

func TestErrors(t *testing.T) {
	cases := []errCase{
		// Durations.
		{name: "duration words", in: "addr: 127.0.0.1:9000\nrealm: r\n\n\n\n\nlifetimes:\n  access_token: 5 minutes\n",
			line: 8, field: "lifetimes.access_token",
			text: `config.yaml line 8: lifetimes.access_token: "5 minutes" is not a duration (want e.g. "90s", "5m", "1h")`},
		{name: "duration without unit", in: "lifetimes:\n  otp: 300\n", line: 2, field: "lifetimes.otp", msg: `"300" has no unit`},
		{name: "duration zero", in: "lifetimes:\n  session: 0s\n", line: 2, field: "lifetimes.session", msg: `"0s" is not positive`},
		{name: "duration negative", in: "lifetimes:\n  session: -5m\n", line: 2, field: "lifetimes.session", msg: `"-5m" is not positive`},
		{name: "duration list", in: "lifetimes:\n  refresh_token: [1h]\n", line: 2, field: "lifetimes.refresh_token", msg: "found a list, want a duration"},

		// Unknown fields.
		{name: "unknown top-level", in: "addr: ':1'\nrealm: r\nuserz: []\n", line: 3, field: "",
			text: `config.yaml line 3: unknown field "userz" (valid: addr, realm, lifetimes, users, clients, api_keys, routes, scenarios, journal_cap, token_format)`},
		{name: "unknown in user", in: "users:\n  - username: a\n    pasword: b\n", line: 3, field: "users[0]",
			msg: `unknown field "pasword" (valid: username, password, scopes, roles)`},
		{name: "unknown in lifetimes", in: "lifetimes:\n  access: 5m\n", line: 2, field: "lifetimes",
			msg: `unknown field "access" (valid: access_token, refresh_token, session, otp)`},
		{name: "unknown in route", in: "routes:\n  - path: /api/x\n    method: [GET]\n", line: 3, field: "routes[0]",
			msg: `unknown field "method" (valid: path, methods, schemes, scopes, roles, public)`},
		{name: "field names are case-sensitive", in: "Addr: ':1'\n", line: 1, field: "", msg: `unknown field "Addr"`},

		// Shapes and scalar types.
		{name: "root is a list", in: "- a\n- b\n", line: 1, field: "", msg: "found a list, want a mapping with fields addr, realm"},
		{name: "users is a string", in: "users: alice\n", line: 1, field: "users", msg: `found "alice", want a list of mappings`},
		{name: "scopes is a string", in: "users:\n  - username: a\n    password: b\n    scopes: read\n", line: 4, field: "users[0].scopes",
			msg: `found "read", want a list (e.g. [read])`},
		{name: "user is a string", in: "users:\n  - alice\n", line: 2, field: "users[0]", msg: `found "alice", want a mapping with fields username, password, scopes, roles`},
		{name: "journal_cap text", in: "journal_cap: lots\n", line: 1, field: "journal_cap", msg: `"lots" is not an integer`},
		{name: "journal_cap quoted", in: "journal_cap: \"100\"\n", line: 1, field: "journal_cap", msg: "remove the quotes"},
		{name: "public not bool", in: "routes:\n  - path: /api/x\n    public: maybe\n", line: 3, field: "routes[0].public", msg: `"maybe" is not true or false`},
		{name: "param value is a list", in: "scenarios:\n  - id: s\n    params:\n      n: [1]\n", line: 4, field: "scenarios[0].params.n", msg: "found a list, want a string"},
		{name: "null list item", in: "users:\n  - username: a\n    password: b\n  -\n", line: 4, field: "users[1]", msg: "empty list item, want a mapping"},
		{name: "null scope", in: "users:\n  - username: a\n    password: b\n    scopes: [read, ~]\n", line: 4, field: "users[0].scopes[1]", msg: "empty list item, want a string"},
		{name: "wrong explicit tag", in: "realm: !!int x\n", line: 1, field: "realm", msg: `cannot read "x" as a string (cannot decode !!str`},
		{name: "repeated key", in: "realm: a\naddr: ':1'\nrealm: b\n", line: 3, field: "realm", msg: "given twice (first on line 1)"},
		{name: "bad merge", in: "users:\n  - <<: [1]\n", line: 2, field: "users[0]", msg: `found "1", want a mapping or a list of mappings after "<<"`},
		{name: "self merge", in: "users:\n  - &u\n    <<: *u\n", line: 2, field: "users[0]", msg: "merges nest more than"},

		// Malformed YAML keeps yaml's own line.
		{name: "tab indentation", in: "addr: ':1'\nusers:\n\t- username: a\n", line: 3, field: "", msg: "indented with a tab"},
		{name: "bad indentation", in: "users:\n  - username: a\n     password: b\n", line: 3, field: "", msg: "invalid YAML: mapping values are not allowed"},
		{name: "unclosed flow", in: "realm: r\nusers: [a\naddr: b\n", line: 2, field: "", msg: "invalid YAML: did not find expected ',' or ']'"},
		{name: "unknown anchor", in: "realm: r\naddr: ':1'\nusers: *nope\n", line: 3, field: "", msg: "invalid YAML: unknown anchor 'nope'"},
		{name: "second document", in: "realm: r\n---\naddr: ':1'\n", line: 2, field: "", msg: "found a second YAML document"},

		// Semantic checks.
		{name: "bad scheme", in: `
users:
  - username: alice
    password: pw
routes:
  - path: /api/a
    methods: [GET]
  - path: /api/b
    methods:
      - GET
      - POST
    schemes:
      - Token
`[1:], line: 12, field: "routes[1].schemes[0]",
			text: `config.yaml line 12: routes[1].schemes[0]: "Token" is not a scheme (valid: Bearer, Basic, ApiKey, Cookie)`},
		{name: "unknown owner", in: "users:\n  - username: alice\n    password: pw\napi_keys:\n  - key: k1\n    owner: carol\n", line: 6, field: "api_keys[0].owner",
			text: `config.yaml line 6: api_keys[0].owner: "carol" is not a configured user`},
		{name: "missing owner", in: "users:\n  - username: alice\n    password: pw\napi_keys:\n  - key: k1\n", line: 5, field: "api_keys[0].owner", msg: "owner is required"},
		{name: "duplicate username", in: "users:\n  - username: alice\n    password: a\n  - username: alice\n    password: b\n", line: 4, field: "users[1].username",
			msg: `"alice" is already used by users[0].username (line 2)`},
		{name: "duplicate client", in: "clients:\n  - id: c\n    secret: s\n  - id: c\n    secret: t\n", line: 4, field: "clients[1].id", msg: `"c" is already used by clients[0].id (line 2)`},
		{name: "duplicate api key", in: "users:\n  - {username: a, password: b}\napi_keys:\n  - {key: k, owner: a}\n  - {key: k, owner: a}\n", line: 5, field: "api_keys[1].key",
			msg: `"k" is already used by api_keys[0].key (line 4)`},
		{name: "missing username", in: "users:\n  - password: pw\n", line: 2, field: "users[0].username", msg: "username is required"},
		{name: "empty username", in: "users:\n  - username: \"\"\n    password: pw\n", line: 2, field: "users[0].username", msg: "username is required"},
		{name: "null username", in: "users:\n  - password: pw\n    username:\n", line: 3, field: "users[0].username", msg: "username is required"},
		{name: "missing password", in: "users:\n  - username: a\n", line: 2, field: "users[0].password", msg: "password is required"},
		{name: "colon in username", in: "users:\n  - username: a:b\n    password: pw\n", line: 2, field: "users[0].username", msg: `contains ":"`},
		{name: "missing client id", in: "clients:\n  - secret: s\n", line: 2, field: "clients[0].id", msg: "client id is required"},
		{name: "missing client secret", in: "clients:\n  - id: c\n", line: 2, field: "clients[0].secret", msg: "client secret is required"},
		{name: "relative redirect", in: "clients:\n  - id: c\n    secret: s\n    redirect_uris: [/cb]\n", line: 4, field: "clients[0].redirect_uris[0]", msg: `"/cb" is not an absolute URI`},
		{name: "redirect fragment", in: "clients:\n  - id: c\n    secret: s\n    redirect_uris: ['http://x/cb#f']\n", line: 4, field: "clients[0].redirect_uris[0]", msg: "contains a fragment"},
		{name: "missing key", in: "users:\n  - {username: a, password: b}\napi_keys:\n  - owner: a\n", line: 4, field: "api_keys[0].key", msg: "key is required"},
		{name: "key with space", in: "users:\n  - {username: a, password: b}\napi_keys:\n  - {key: 'a b', owner: a}\n", line: 4, field: "api_keys[0].key", msg: "spaces or control characters"},
		{name: "scope with space", in: "users:\n  - username: a\n    password: b\n    scopes: ['read write']\n", line: 4, field: "users[0].scopes[0]", msg: `"read write" is not a valid scope`},
		{name: "empty role", in: "users:\n  - username: a\n    password: b\n    roles: ['']\n", line: 4, field: "users[0].roles[0]", msg: "role is empty"},
		{name: "missing route path", in: "routes:\n  - methods: [GET]\n", line: 2, field: "routes[0].path", msg: "route path is required"},
		{name: "route outside api", in: "routes:\n  - path: /items\n", line: 2, field: "routes[0].path", msg: `"/items" does not start with "/api/"`},
		{name: "route is bare api", in: "routes:\n  - path: /api/\n", line: 2, field: "routes[0].path", msg: `does not start with "/api/"`},
		{name: "route with query", in: "routes:\n  - path: /api/x?y=1\n", line: 2, field: "routes[0].path", msg: "want a plain path"},
		{name: "bad method", in: "routes:\n  - path: /api/x\n    methods: [GET, FETCH]\n", line: 3, field: "routes[0].methods[1]",
			msg: `"FETCH" is not a method (valid: GET, HEAD, POST, PUT, PATCH, DELETE)`},
		{name: "method twice", in: "routes:\n  - path: /api/x\n    methods: [GET, get]\n", line: 3, field: "routes[0].methods[1]", msg: "GET is listed twice"},
		{name: "scheme twice", in: "routes:\n  - path: /api/x\n    schemes: [Basic, basic]\n", line: 3, field: "routes[0].schemes[1]", msg: "Basic is listed twice"},
		{name: "route defined twice", in: "routes:\n  - path: /api/x\n  - path: /api/y\n  - path: /api/x\n    methods: [POST, GET]\n", line: 5, field: "routes[2].methods[1]",
			msg: "GET /api/x is already defined by routes[0].methods[0] (line 2)"},
		{name: "public with scopes", in: "routes:\n  - path: /api/x\n    public: true\n    scopes: [read]\n", line: 4, field: "routes[0].scopes", msg: "a public route cannot require scopes"},
		{name: "public with roles", in: "routes:\n  - path: /api/x\n    public: true\n    roles: [admin]\n", line: 4, field: "routes[0].roles", msg: "a public route cannot require roles"},
		{name: "journal_cap negative", in: "realm: r\njournal_cap: -1\n", line: 2, field: "journal_cap", msg: "-1 is negative"},
		{name: "addr without port", in: "realm: r\naddr: localhost\n", line: 2, field: "addr", msg: `"localhost" is not a host:port address (missing port in address`},
		{name: "addr too many colons", in: "addr: '::1:80'\n", line: 1, field: "addr", msg: "too many colons"},
		{name: "realm with quote", in: "realm: 'a\"b'\n", line: 1, field: "realm", msg: `contains '"', which cannot appear in a WWW-Authenticate realm`},
		{name: "realm with control", in: "realm: \"a\\u0085b\"\n", line: 1, field: "realm", msg: `contains '\u0085'`},
		{name: "repeated param", in: "scenarios:\n  - id: s\n    params:\n      a: 1\n      a: 2\n", line: 5, field: "scenarios[0].params.a", msg: "given twice (first on line 4)"},
		{name: "scenario without id", in: "scenarios:\n  - params: {a: b}\n", line: 2, field: "scenarios[0].id", msg: "scenario id is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, tc.in)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(errs), joinErrors(errs))
			}
			e := errs[0]
			if e.File != "config.yaml" || e.Line != tc.line || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got  %s (file %q line %d field %q)\nwant line %d field %q msg containing %q",
					e, e.File, e.Line, e.Field, tc.line, tc.field, tc.msg)
			}
			if tc.text != "" && e.Error() != tc.text {
				t.Errorf("text\n got  %s\n want %s", e, tc.text)
			}
		})
	}
}

func TestColumnsAreKnownForValues(t *testing.T) {
	errs := parseErrors(t, "lifetimes:\n  otp: soon\n")
	if len(errs) != 1 || errs[0].Line != 2 || errs[0].Column != 8 {
		t.Errorf("got %+v, want line 2 column 8", errs)
	}
}

func TestAllProblemsReportedInLineOrder(t *testing.T) {
	in := `
users:
  - username: alice
    password: ""
  - username: alice
    password: pw
api_keys:
  - key: k
    owner: carol
routes:
  - path: /nope
    methods: [FETCH]
journal_cap: -5
addr: nowhere
`[1:]
	errs := parseErrors(t, in)
	want := []struct {
		line  int
		field string
	}{
		{3, "users[0].password"},
		{4, "users[1].username"},
		{8, "api_keys[0].owner"},
		{10, "routes[0].path"},
		{11, "routes[0].methods[0]"},
		{12, "journal_cap"},
		{13, "addr"},
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), joinErrors(errs))
	}
	for i, w := range want {
		if errs[i].Line != w.line || errs[i].Field != w.field {
			t.Errorf("error %d = %s; want line %d field %s", i, errs[i], w.line, w.field)
		}
	}
	_, err := Parse("config.yaml", []byte(in))
	if got := strings.Count(err.Error(), "\n") + 1; got != len(want) {
		t.Errorf("joined message has %d lines, want %d", got, len(want))
	}
	var first *Error
	if !errors.As(err, &first) || first.Field != "users[0].password" {
		t.Errorf("errors.As gave %v", first)
	}
}

func TestShapeErrorsAreAllReported(t *testing.T) {
	errs := parseErrors(t, "userz: 1\nlifetimes:\n  otp: 5\nrealmz: x\n")
	if len(errs) != 3 || errs[0].Line != 1 || errs[1].Line != 3 || errs[2].Line != 4 {
		t.Errorf("got %v", joinErrors(errs))
	}
}

func TestAliasExpansionIsBounded(t *testing.T) {
	// Many users sharing one large scope list: a few kilobytes of text
	// that would expand to 200,000 visited values.
	in := "scopes: &s [" + strings.Repeat("read, ", 2000) + "read]\nusers:\n" +
		strings.Repeat("  - {username: u, password: p, scopes: *s}\n", 100)
	errs := parseErrors(t, in)
	found := false
	for _, e := range errs {
		if strings.Contains(e.Msg, "aliases expand to more than") {
			found = true
		}
	}
	if !found {
		t.Errorf("no alias budget error in %v", joinErrors(errs))
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "c.yaml", Line: 3, Column: 5, Field: "addr", Msg: "bad"}, "c.yaml line 3: addr: bad"},
		{Error{File: "c.yaml", Line: 3, Msg: "bad"}, "c.yaml line 3: bad"},
		{Error{File: "c.yaml", Field: "addr", Msg: "bad"}, "c.yaml: addr: bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// The walk normally catches unknown fields first; this checks the safety
// net that rewrites yaml.v3's own KnownFields message.
func TestDecodeErrorRewrite(t *testing.T) {
	var f File
	err := decodeStrict([]byte("realm: r\n\nuserz: 1\n"), &f)
	if err == nil {
		t.Fatal("strict decode accepted an unknown field")
	}
	errs := decodeErrors("config.yaml", nil, err)
	want := `config.yaml line 3: unknown field "userz" (valid: addr, realm, lifetimes, users, clients, api_keys, routes, scenarios, journal_cap, token_format)`
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("got %v\nwant %s", joinErrors(errs), want)
	}
}

func TestParseUsesNameOrPlaceholder(t *testing.T) {
	_, err := Parse("", []byte("journal_cap: -1\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "config line 1: ") {
		t.Errorf("got %v", err)
	}
}

func mustParse(t *testing.T, in string) *File {
	t.Helper()
	f, err := Parse("config.yaml", []byte(in))
	if err != nil {
		t.Fatalf("Parse: %v\ninput:\n%s", err, in)
	}
	return f
}

// parseErrors parses in, which must fail, and returns the individual errors.
func parseErrors(t *testing.T, in string) []*Error {
	t.Helper()
	_, err := Parse("config.yaml", []byte(in))
	if err == nil {
		t.Fatalf("Parse succeeded, want an error; input:\n%s", in)
	}
	return flatten(t, err)
}

func flatten(t testing.TB, err error) []*Error {
	t.Helper()
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]*Error, 0, len(list))
	for _, e := range list {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("error %v (%T) is not a *Error", e, e)
		}
		out = append(out, ce)
	}
	return out
}

func assertRoundTrip(t testing.TB, f *File) {
	t.Helper()
	out, err := Marshal(f)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := Parse("marshalled.yaml", out)
	if err != nil {
		t.Fatalf("Parse(Marshal(f)): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, f) {
		t.Fatalf("round trip changed the file:\n got  %+v\n want %+v\nyaml:\n%s", back, f, out)
	}
}

func TestCheckScenariosReportsTheLine(t *testing.T) {
	data := []byte("realm: x\nscenarios:\n  - id: ok\n  - id: nope\n    params: {a: b}\n")
	check := func(id string, params map[string]string) error {
		if id != "ok" {
			return errors.New(`unknown scenario "` + id + `"`)
		}
		return nil
	}
	_, err := Parse("c.yaml", data, CheckScenarios(check))
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 4 || ce.Field != "scenarios[1]" || !strings.Contains(err.Error(), `c.yaml line 4: scenarios[1]: unknown scenario "nope"`) {
		t.Fatalf("err = %v, want it at line 4, scenarios[1]", err)
	}
	if _, err := Parse("c.yaml", data); err != nil {
		t.Fatalf("without the option the catalog is not consulted: %v", err)
	}
}
