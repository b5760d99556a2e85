package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a configuration file. Parse and Load return
// either a single *Error or several joined with errors.Join; errors.As
// finds the first.
type Error struct {
	File   string // file name as given to Parse or Load
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown (yaml syntax errors only carry a line)
	Field  string // path such as "routes[1].schemes[0]"; empty for file-level problems
	Msg    string // what was found and what was wanted
}

// Error renders "FILE line N: FIELD: MSG". The column is kept out of the
// text so messages read the same for syntax errors (where yaml.v3 only
// knows the line) and for value errors; tools that want it use e.Column.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(" line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// joinErrors orders problems the way a reader scans the file. Problems
// with no known line go last: they are usually consequences of earlier ones.
func joinErrors(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// quote shows a found value. Long values are cut because the point is to
// let the reader find the spot, not to echo a pasted certificate back.
func quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "..."
	}
	return strconv.Quote(s)
}

// describe names what a node is, for "found X, want Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return quote(n.Value)
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return "an empty node"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parser error into an *Error. yaml.v3's own
// line numbers are unreliable: parser (as opposed to scanner) errors print
// a 0-based line, and errors on line 1 print none at all. So the line is
// taken from locate, which finds where the file actually stops parsing,
// and yaml's number is only the fallback.
func syntaxError(file string, data []byte, err error) *Error {
	full := err.Error()
	msg := strings.TrimPrefix(full, "yaml: ")
	line := 0
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if at := locate(data, full); at > 0 {
		line = at
	}
	if indentedWithTab(data, line) && !strings.Contains(msg, "tab") {
		msg += " (the line is indented with a tab; YAML needs spaces)"
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// indentedWithTab reports whether the given 1-based line starts with
// whitespace containing a tab. yaml.v3 words this as "found character that
// cannot start any token", which does not point at the invisible culprit.
func indentedWithTab(data []byte, line int) bool {
	if line < 1 {
		return false
	}
	lines := bytes.SplitN(data, []byte("\n"), line+1)
	if len(lines) < line {
		return false
	}
	l := lines[line-1]
	indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
	return bytes.IndexByte(indent, '\t') >= 0
}

// locate returns the smallest number of lines whose prefix of data fails
// to parse with exactly the error text full, or 0. Binary search keeps it
// at O(log lines) parses; it relies on an error that occurs in a prefix
// also occurring in every longer prefix, which holds because the parser
// reads forward and reports the first problem it meets.
func locate(data []byte, full string) int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	fails := func(lines int) bool {
		end := len(data)
		if lines < len(starts) {
			end = starts[lines]
		}
		dec := yaml.NewDecoder(bytes.NewReader(data[:end]))
		for docs := 0; docs <= len(data); docs++ {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				return false
			}
			if err != nil {
				return err.Error() == full
			}
		}
		return false
	}
	lo, hi := 1, len(starts)
	if !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

var notFoundRE = regexp.MustCompile(`^field (.*) not found in type (\S+)$`)

// decodeErrors converts an error from the final yaml.v3 decode. The node
// walk is meant to catch everything first, with better paths; this is the
// safety net for anything it misses, so users still see a line number and,
// for unknown fields, the friendlier "unknown field" wording.
func decodeErrors(file string, data []byte, err error) []*Error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []*Error{syntaxError(file, data, err)}
	}
	var out []*Error
	for _, s := range te.Errors {
		e := &Error{File: file, Msg: s}
		if m := lineRE.FindStringSubmatch(s); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		if m := notFoundRE.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("unknown field %q", m[1])
			if t, ok := configTypes[m[2]]; ok {
				e.Msg += fmt.Sprintf(" (valid: %s)", validNames(t))
			}
		}
		out = append(out, e)
	}
	return out
}

// configTypes maps the type names yaml.v3 prints ("config.File") back to
// types, so valid field names can be listed from their tags.
var configTypes = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, v := range []any{File{}, Lifetimes{}, User{}, Client{}, APIKey{}, Route{}, Scenario{}} {
		t := reflect.TypeOf(v)
		m[t.String()] = t
	}
	return m
}()
