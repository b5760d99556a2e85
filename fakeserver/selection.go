package fakeserver

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/authchaos/authchaos/fakeserver/fault"
	"github.com/authchaos/authchaos/scenarios"
)

// ResolveSelected checks a scenario's parameters as an activation will
// take them: the scenario's own against the catalog, the select.*
// ones as a fault.Selection. It returns them with the scenario's defaults
// filled in, for whoever checks an activation before sending it (serve,
// proxy, activate).
func ResolveSelected(id string, params map[string]string) (map[string]string, error) {
	own, _, picked, err := fault.SplitSelection(params)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", id, err)
	}
	_, p, err := scenarios.Resolve(id, own)
	if err != nil {
		return nil, err
	}
	return withSelection(p, picked), nil
}

// selectEdges puts the edges a scenario installed (those from index from
// on) behind its selection, as one group, so one picker counts each
// request once however many edges the scenario has.
func (st *realm) selectEdges(from int, sel fault.Selection) {
	if sel.All() || len(st.edges) == from {
		return
	}
	group := slices.Clone(st.edges[from:])
	whole := func(next http.Handler) http.Handler {
		for i := len(group) - 1; i >= 0; i-- {
			next = group[i](next)
		}
		return next
	}
	st.edges = append(st.edges[:from], fault.NewPicker(sel).Edge(whole))
}
