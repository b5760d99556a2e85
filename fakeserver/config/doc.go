// Package config reads the fake server's YAML configuration file, the one
// given to `authchaos serve --config FILE`, and supplies defaults for
// everything the file leaves out.
//
// The file is small and hand-written, and its whole purpose is to make a
// server misbehave on purpose. A typo must therefore never be mistaken for
// an intended misconfiguration. That is why parsing is strict: unknown
// fields are rejected, every value is checked, and every problem is
// reported as an *Error naming the file, the line, the field path, what
// was found and what was wanted, for example:
//
//	config.yaml line 7: lifetimes.access_token: "5 minutes" is not a duration (want e.g. "90s", "5m", "1h")
//	config.yaml line 12: routes[1].schemes[0]: "Token" is not a scheme (valid: Bearer, Basic, ApiKey, Cookie)
//
// All problems in a file are reported at once, ordered by line and joined
// with errors.Join, so one edit-run cycle fixes them all. Use errors.As to
// get the first *Error, or unwrap the joined error for the rest.
//
// # Defaults
//
// An empty file (or one holding only comments) yields Default(): a demo
// setup with users alice and bob, one OAuth client, one API key and a few
// routes under /api/. Scalar settings left out or set to their zero value
// take their defaults individually (addr, realm, each lifetime,
// journal_cap).
//
// The four lists users, clients, api_keys and routes are defaulted as a
// unit: only when all four are omitted does the file get the demo lists.
// As soon as one of them is given, the omitted ones are empty. The demo
// entries refer to each other (the demo API key belongs to alice), so
// mixing a hand-written users list with the demo api_keys would fail with
// an error about a key the author never wrote.
//
// Within a route, an omitted or empty methods list means [GET] and an
// omitted or empty schemes list means all four schemes. Methods and scheme
// names are matched case-insensitively and stored in canonical spelling
// ("GET", "ApiKey"), so later packages can compare them with ==.
package config
