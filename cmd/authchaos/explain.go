package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/authchaos/authchaos/scenarios"
)

// width is the terminal width explain wraps to: the one every terminal
// and workshop projector manages without reflowing.
const width = 80

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain ID",
		Short: "Explain one failure mode: what you see, why, and how to fix it",
		Long: `Explain one scenario for a reader: what a client sees, why it happens in
production, how to fix it in the client and on the server, how to tell it
apart from its neighbours, its parameters and the documents it comes from.
'authchaos scenarios' lists the ids.`,
		Args: oneScenarioID,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return scenarios.IDs(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			s, ok := scenarios.Lookup(args[0])
			if !ok {
				return unknownScenario(args[0])
			}
			return writeExplain(cmd.OutOrStdout(), s)
		},
	}
}

func oneScenarioID(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("explain needs a scenario id (valid: %s)", strings.Join(scenarios.IDs(), ", "))
	}
	return fmt.Errorf("explain takes one scenario id, got %d: %s", len(args), strings.Join(args, " "))
}

func writeExplain(w io.Writer, s *scenarios.Scenario) error {
	var b strings.Builder
	b.WriteString(s.Title + "\n")
	b.WriteString(strings.Repeat("=", min(utf8.RuneCountInString(s.Title), width)) + "\n\n")
	fmt.Fprintf(&b, "id:        %s\n", s.ID)
	fmt.Fprintf(&b, "category:  %s\n", s.Category)
	fmt.Fprintf(&b, "recovery:  %s\n", s.Recovery)
	para(&b, "  ", "A correct client "+scenarios.Recoveries[s.Recovery]+".")
	b.WriteString("\n")
	para(&b, "", "The fake server: "+s.Summary)

	for _, sec := range []struct{ heading, text string }{
		{"What you see", s.Explain.Symptom},
		{"Why it happens", s.Explain.Cause},
		{"Fix it in the client", s.Explain.UserFix},
		{"Fix it on the server", s.Explain.OwnerFix},
		{"Tell it apart", s.Explain.TellApart},
	} {
		b.WriteString("\n" + sec.heading + "\n")
		para(&b, "  ", sec.text)
	}

	if len(s.Params) > 0 {
		b.WriteString("\nParameters\n")
		for _, p := range s.Params {
			para(&b, "  ", fmt.Sprintf("%s (default %s): %s", p.Name, p.Default, p.Help))
		}
		example := make([]string, 0, len(s.Params))
		for _, p := range s.Params {
			example = append(example, p.Name+"="+p.Default)
		}
		para(&b, "  ", "Set them with: authchaos serve --scenario "+s.ID+":"+strings.Join(example, ","))
	}

	b.WriteString("\nSources\n")
	for _, src := range s.Sources {
		b.WriteString("  " + src + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// para writes text wrapped to width, every line starting with indent.
func para(b *strings.Builder, indent, text string) {
	for _, line := range wrap(text, width-len(indent)) {
		b.WriteString(indent + line + "\n")
	}
}

// wrap breaks text into lines of at most width runes at spaces. A word
// longer than width (a URL, a header value) gets a line of its own rather
// than being cut, because a cut URL cannot be pasted.
func wrap(text string, width int) []string {
	var lines []string
	var line strings.Builder
	n := 0 // runes in line
	for _, word := range strings.Fields(text) {
		wn := utf8.RuneCountInString(word)
		if n > 0 && n+1+wn > width {
			lines = append(lines, line.String())
			line.Reset()
			n = 0
		}
		if n > 0 {
			line.WriteByte(' ')
			n++
		}
		line.WriteString(word)
		n += wn
	}
	if n > 0 {
		lines = append(lines, line.String())
	}
	return lines
}
