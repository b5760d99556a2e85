package suites

import (
	"github.com/authchaos/authchaos/scenarios"
)

// Variants: `run --scenario id:key=value,...` runs a scenario with other
// parameters, and `run --variants` adds every variant a scenario
// declares. A variant is a copy of the catalog entry with its parameters
// (Scenario.Given) and the workload adapted to them; results name it by
// its label, so a report tells the defaults from each variant.

// lookupLabel finds the scenario a label names, as a variant when it
// carries parameters.
func lookupLabel(label string) (*scenarios.Scenario, error) {
	id, given, err := scenarios.ParseLabel(label)
	if err != nil {
		return nil, err
	}
	sc, ok := scenarios.Lookup(id)
	if !ok {
		return nil, &scenarios.UnknownError{ID: id}
	}
	return sc.With(given)
}

// WithVariants follows each selected scenario with its declared
// variants, in declaration order.
func WithVariants(selected []*scenarios.Scenario) ([]*scenarios.Scenario, error) {
	var out []*scenarios.Scenario
	for _, sc := range selected {
		out = append(out, sc)
		if len(sc.Given) > 0 {
			continue // a variant asked for by name: it is its own selection
		}
		vs, err := sc.VariantsOf()
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}
