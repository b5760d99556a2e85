package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/scenarios"
)

func newScenariosCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "scenarios [--json]",
		Short: "List the failure modes the fake server reproduces",
		Long: `List every scenario: its id, the recovery a correct client shows, its
category and title. 'authchaos explain ID' tells the whole story of one.

With --json, print an array for tools: each element has id, title,
category, recovery, summary, explain (the teaching text as one string),
explain_parts (the same text by section), sources and params.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				return writeScenariosJSON(cmd.OutOrStdout(), scenarios.All())
			}
			return writeScenariosTable(cmd.OutOrStdout(), scenarios.All())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
	return cmd
}

func writeScenariosTable(w io.Writer, all []*scenarios.Scenario) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRECOVERY\tCATEGORY\tTITLE")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.Recovery, s.Category, s.Title)
	}
	return tw.Flush()
}

// scenarioJSON is the element of `scenarios --json`, part of the public
// contract. It is its own type rather than scenarios.Scenario with tags so
// that a field added to the registry for the suites cannot leak into (or
// silently change) what scripts parse.
type scenarioJSON struct {
	ID           string             `json:"id"`
	Title        string             `json:"title"`
	Category     string             `json:"category"`
	Recovery     scenarios.Recovery `json:"recovery"`
	Summary      string             `json:"summary"`
	Explain      string             `json:"explain"`
	ExplainParts scenarios.Explain  `json:"explain_parts"`
	Sources      []string           `json:"sources"`
	Params       []scenarios.Param  `json:"params"`
}

func writeScenariosJSON(w io.Writer, all []*scenarios.Scenario) error {
	out := make([]scenarioJSON, 0, len(all))
	for _, s := range all {
		out = append(out, scenarioJSON{
			ID:           s.ID,
			Title:        s.Title,
			Category:     s.Category,
			Recovery:     s.Recovery,
			Summary:      s.Summary,
			Explain:      s.Explain.String(),
			ExplainParts: s.Explain,
			// Empty lists print as [] rather than null, so jq filters
			// such as .params[] work on every element.
			Sources: append([]string{}, s.Sources...),
			Params:  append([]scenarios.Param{}, s.Params...),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// The teaching text quotes headers and HTML; \u003c would hide them
	// from anyone reading the output.
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
