package fakeserver

import (
	"maps"
	"strings"
)

// Selected is one scenario of an Activation: its id and the parameters
// given for it (nil for the defaults).
type Selected struct {
	ID     string            `json:"id"`
	Params map[string]string `json:"params"`
}

// Activation is the scenarios to make active, in order (first installed,
// outermost edge). Every door builds one: Server.Apply, the admin API's PUT
// scenario, the configuration file's scenarios list and serve --scenario.
type Activation []Selected

// IDs are the scenario ids, in order.
func (a Activation) IDs() []string {
	ids := make([]string, len(a))
	for i, sel := range a {
		ids[i] = sel.ID
	}
	return ids
}

func (a Activation) name() string { return strings.Join(a.IDs(), "+") }

func (a Activation) clone() Activation {
	out := make(Activation, len(a))
	for i, sel := range a {
		out[i] = Selected{ID: sel.ID, Params: maps.Clone(sel.Params)}
	}
	return out
}

// withSelection is a scenario's resolved parameters with the selection's
// as given, so the activation shows (and a reset reinstalls) both.
func withSelection(p map[string]string, picked map[string]string) map[string]string {
	if len(picked) == 0 {
		return p
	}
	out := maps.Clone(p)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, picked)
	return out
}
