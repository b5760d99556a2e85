package suites

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// BaselineDiff compares a run with an earlier report, so a client that
// is good but not yet perfect can gate CI on not getting worse: only a
// scenario that fails now and did not fail then is a new failure.
type BaselineDiff struct {
	File string `json:"file"`
	// NewFailures failed now and did not in the baseline (or were not in it).
	NewFailures []string `json:"new_failures"`
	// Fixed failed in the baseline and pass now.
	Fixed []string `json:"fixed"`
	// StillFailing failed in both.
	StillFailing []string `json:"still_failing"`
}

// LoadBaseline reads a report written by --json-report (or WriteJSON).
func LoadBaseline(path string) (*Report, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("%s: not a JSON report (byte %d: %w)", path, syn.Offset, err)
		}
		return nil, fmt.Errorf("%s: not a JSON report: %w", path, err)
	}
	if r.Results == nil {
		return nil, fmt.Errorf("%s: no \"results\" array; want a report written by authchaos run --json-report", path)
	}
	return &r, nil
}

// CompareBaseline records in r what changed since base (read from file)
// and returns it.
func (r *Report) CompareBaseline(base *Report, file string) *BaselineDiff {
	before := map[string]Verdict{}
	for _, res := range base.Results {
		before[res.Scenario] = res.Verdict
	}
	d := &BaselineDiff{File: file, NewFailures: []string{}, Fixed: []string{}, StillFailing: []string{}}
	for _, res := range r.Results {
		was := before[res.Scenario]
		switch {
		case res.Verdict == Fail && was == Fail:
			d.StillFailing = append(d.StillFailing, res.Scenario)
		case res.Verdict == Fail:
			d.NewFailures = append(d.NewFailures, res.Scenario)
		case res.Verdict == Pass && was == Fail:
			d.Fixed = append(d.Fixed, res.Scenario)
		}
	}
	r.Baseline = d
	return d
}
