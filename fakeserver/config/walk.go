package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The walk checks the shape of the yaml.Node tree against the Go types
// before anything is decoded. yaml.v3's own errors have a line but no
// field path and stop at the first custom-unmarshaler failure; walking the
// tree by hand gives every problem a path and a column, and records where
// each value sits so later semantic checks can point at it too.

// maxAliasVisits bounds how many nodes may be reached through aliases.
// Without it, a few lines of nested anchors ("billion laughs") would make
// the walk, and the position index it builds, enormous.
const maxAliasVisits = 100_000

// maxMergeDepth bounds "<<" merge chains, which can also loop through an
// anchor that merges itself.
const maxMergeDepth = 16

type walker struct {
	file      string
	pos       positions
	errs      []*Error
	aliasLeft int
	exhausted bool
}

// positions maps a field path to the node holding its value.
type positions map[string]*yaml.Node

// at returns the node for path, or for its nearest recorded ancestor, so
// that problems with omitted fields point at the element that lacks them.
func (p positions) at(path string) *yaml.Node {
	for {
		if n, ok := p[path]; ok {
			return n
		}
		if path == "" {
			return nil
		}
		path = parentPath(path)
	}
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func newWalker(file string) *walker {
	return &walker{file: file, pos: positions{}, aliasLeft: maxAliasVisits}
}

func (w *walker) fail(n *yaml.Node, path, msg string) {
	e := &Error{File: w.file, Field: path, Msg: msg}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	w.errs = append(w.errs, e)
}

// deref follows aliases and reports whether it did.
func (w *walker) deref(n *yaml.Node, path string) (*yaml.Node, bool) {
	followed := false
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if n.Alias == nil || hops > maxMergeDepth {
			w.fail(n, path, fmt.Sprintf("alias *%s does not resolve to a value", n.Value))
			return nil, followed
		}
		n, followed = n.Alias, true
	}
	return n, followed
}

// charge accounts for one node reached through an alias, the only way a
// node can be visited more than once. It reports whether the walk may go on.
func (w *walker) charge(n *yaml.Node) bool {
	if w.exhausted {
		return false
	}
	w.aliasLeft--
	if w.aliasLeft < 0 {
		w.exhausted = true
		w.fail(n, "", fmt.Sprintf("aliases expand to more than %d values; flatten the anchors", maxAliasVisits))
		return false
	}
	return true
}

func (w *walker) record(path string, n *yaml.Node) {
	if _, ok := w.pos[path]; !ok {
		w.pos[path] = n
	}
}

type entry struct {
	name     string
	key, val *yaml.Node
	alias    bool // reached through an alias, so its value costs budget
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.ShortTag() == "!!merge")
}

// entries lists a mapping's key/value pairs with "<<" merges applied the
// way yaml.v3 applies them: keys written in the mapping itself win over
// merged ones, and earlier merged mappings win over later ones. Repeated
// keys are reported here because yaml.v3 would otherwise report them with
// the Go type name instead of the field path.
func (w *walker) entries(n *yaml.Node, path string, depth int, alias bool) []entry {
	if depth > maxMergeDepth {
		w.fail(n, path, fmt.Sprintf("\"<<\" merges nest more than %d deep (does an anchor merge itself?)", maxMergeDepth))
		return nil
	}
	var out []entry
	var merges []*yaml.Node
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if alias && !w.charge(k) {
			return out
		}
		if isMerge(k) {
			merges = append(merges, v)
			continue
		}
		k, _ = w.deref(k, path)
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.fail(k, path, fmt.Sprintf("found %s as a key, want a plain name", describe(k)))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			w.fail(k, joinPath(path, k.Value), fmt.Sprintf("given twice (first on line %d)", first.Line))
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{k.Value, k, v, alias})
	}
	for _, m := range merges {
		for _, e := range w.merged(m, path, depth, alias) {
			if _, ok := seen[e.name]; !ok {
				seen[e.name] = e.key
				out = append(out, e)
			}
		}
	}
	return out
}

func (w *walker) merged(m *yaml.Node, path string, depth int, alias bool) []entry {
	const want = "want a mapping or a list of mappings after \"<<\""
	m, via := w.deref(m, path)
	alias = alias || via
	if m == nil || (alias && !w.charge(m)) {
		return nil
	}
	switch m.Kind {
	case yaml.MappingNode:
		return w.entries(m, path, depth+1, alias)
	case yaml.SequenceNode:
		var out []entry
		seen := map[string]bool{}
		for _, item := range m.Content {
			item, via := w.deref(item, path)
			if item == nil || ((alias || via) && !w.charge(item)) {
				continue
			}
			if item.Kind != yaml.MappingNode {
				w.fail(item, path, fmt.Sprintf("found %s, %s", describe(item), want))
				continue
			}
			for _, e := range w.entries(item, path, depth+1, alias || via) {
				if !seen[e.name] {
					seen[e.name] = true
					out = append(out, e)
				}
			}
		}
		return out
	}
	w.fail(m, path, fmt.Sprintf("found %s, %s", describe(m), want))
	return nil
}

var durationType = reflect.TypeOf(Duration(0))

// walk checks that n can be decoded into type t, reporting every mismatch
// under path.
// alias says n was reached through an alias, so every node below it is
// charged against the alias budget.
func (w *walker) walk(n *yaml.Node, t reflect.Type, path string, alias bool) {
	n, via := w.deref(n, path)
	alias = alias || via
	if n == nil || (alias && !w.charge(n)) {
		return
	}
	w.record(path, n)
	if isNull(n) {
		// yaml.v3 leaves the zero value for null, and zero means "default".
		return
	}
	switch {
	case t == durationType:
		var d Duration
		if err := d.UnmarshalYAML(n); err != nil {
			w.fail(n, path, err.Error())
		}
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.wrongKind(n, t, path)
			return
		}
		for _, e := range w.entries(n, path, 0, alias) {
			f, ok := fieldByName(t, e.name)
			if !ok {
				w.fail(e.key, path, fmt.Sprintf("unknown field %s (valid: %s)", quote(e.name), validNames(t)))
				continue
			}
			w.walkValue(e, f.Type, joinPath(path, e.name))
		}
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.wrongKind(n, t, path)
			return
		}
		for _, e := range w.entries(n, path, 0, alias) {
			w.walkValue(e, t.Elem(), joinPath(path, e.name))
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.wrongKind(n, t, path)
			return
		}
		for i, c := range n.Content {
			if item, _ := w.deref(c, path); item != nil && isNull(item) {
				// yaml.v3 silently drops null items, which would shift
				// every later index and make errors point at the wrong one.
				w.fail(item, indexPath(path, i), "empty list item, want "+wantOf(t.Elem()))
				continue
			}
			w.walk(c, t.Elem(), indexPath(path, i), alias)
		}
	default:
		w.scalar(n, t, path)
	}
}

// walkValue walks a mapping value. An empty value ("users:") is recorded
// at its key: the implicit null node has no text of its own to point at.
func (w *walker) walkValue(e entry, t reflect.Type, path string) {
	if e.val.Kind == yaml.ScalarNode && e.val.Value == "" && isNull(e.val) {
		w.record(path, e.key)
	}
	w.walk(e.val, t, path, e.alias)
}

func (w *walker) scalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		w.wrongKind(n, t, path)
		return
	}
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return
	}
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
	var msg string
	switch t.Kind() {
	case reflect.Int:
		msg = fmt.Sprintf("%s is not an integer", quote(n.Value))
		if _, err := strconv.Atoi(n.Value); err == nil && quoted {
			msg += " (it is quoted, which makes it a string; remove the quotes)"
		}
	case reflect.Bool:
		msg = fmt.Sprintf("%s is not true or false", quote(n.Value))
	default:
		msg = fmt.Sprintf("cannot read %s as %s (%s)", quote(n.Value), wantOf(t), yamlReason(err))
	}
	w.fail(n, path, msg)
}

func (w *walker) wrongKind(n *yaml.Node, t reflect.Type, path string) {
	want := wantOf(t)
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String && n.Kind == yaml.ScalarNode {
		// The usual slip is writing one item without brackets.
		want += fmt.Sprintf(" (e.g. [%s])", n.Value)
	}
	w.fail(n, path, fmt.Sprintf("found %s, want %s", describe(n), want))
}

// wantOf describes what a value of type t looks like in YAML.
func wantOf(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration (e.g. " + durationExamples + ")"
	case t.Kind() == reflect.Struct:
		return "a mapping with fields " + validNames(t)
	case t.Kind() == reflect.Map:
		return "a mapping of names to values"
	case t.Kind() == reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return "a list of mappings"
		}
		return "a list"
	case t.Kind() == reflect.Int:
		return "an integer"
	case t.Kind() == reflect.Bool:
		return "true or false"
	}
	return "a string"
}

// yamlName returns the name yaml.v3 uses for a struct field, or "" for
// fields it skips.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("yaml")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// validNames lists t's YAML field names in declaration order, derived from
// the tags so the message can never drift from the struct.
func validNames(t reflect.Type) string {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// yamlReason strips the framing yaml.v3 puts around a decode error
// ("yaml: unmarshal errors:\n  line 1: "), which would repeat our own.
func yamlReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = strings.TrimSpace(msg[i+1:])
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		msg = m[2]
	}
	return msg
}
