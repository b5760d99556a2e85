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
