package specdiff

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Report is a comparison ready to print.
type Report struct {
	Old, New string // the specs as named on the command line
	Changes  []Change
}

// Counts returns how many changes are wire-breaking, Go-API-breaking and
// compatible (a change breaking both counts twice).
func (r *Report) Counts() (wire, goAPI, compat int) {
	for _, c := range r.Changes {
		if c.Wire {
			wire++
		}
		if c.Go {
			goAPI++
		}
		if !c.Wire && !c.Go {
			compat++
		}
	}
	return wire, goAPI, compat
}

func (r *Report) summary() string {
	w, g, c := r.Counts()
	if len(r.Changes) == 0 {
		return fmt.Sprintf("%s → %s: no changes", r.Old, r.New)
	}
	return fmt.Sprintf("%s → %s: %d changes: %d wire-breaking, %d Go-API-breaking, %d compatible", r.Old, r.New, len(r.Changes), w, g, c)
}

// Label is the classification in words: "wire-breaking, Go-API-breaking",
// "wire-breaking", "Go-API-breaking" or "compatible".
func (v Verdict) Label() string {
	switch {
	case v.Wire && v.Go:
		return "wire-breaking, Go-API-breaking"
	case v.Wire:
		return "wire-breaking"
	case v.Go:
		return "Go-API-breaking"
	}
	return "compatible"
}

// Text renders the report for a terminal: a summary line, then one entry per
// change, breaking ones first, each with its position and reason.
func (r *Report) Text() string {
	var b strings.Builder
	b.WriteString(r.summary() + "\n")
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "\n%s: %s [%s]\n    %s\n", c.Pos(), c.What, c.Label(), c.Why)
	}
	return b.String()
}

// Markdown renders the report as a table, for pull requests and release notes.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Spec changes\n\n%s\n", r.summary())
	if len(r.Changes) == 0 {
		return b.String()
	}
	b.WriteString("\n| classification | change | where | why |\n|---|---|---|---|\n")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", c.Label(), cell(c.What), c.Pos(), cell(c.Why))
	}
	return b.String()
}

type jsonChange struct {
	Kind           Kind   `json:"kind"`
	What           string `json:"what"`
	Sides          []Side `json:"sides"`
	WireBreaking   bool   `json:"wireBreaking"`
	GoAPIBreaking  bool   `json:"goApiBreaking"`
	Classification string `json:"classification"`
	Why            string `json:"why"`
	Old            string `json:"old,omitempty"`
	New            string `json:"new,omitempty"`
}

// JSON renders the report for tools.
func (r *Report) JSON() ([]byte, error) {
	w, g, c := r.Counts()
	out := struct {
		Old     string         `json:"old"`
		New     string         `json:"new"`
		Summary map[string]int `json:"summary"`
		Changes []jsonChange   `json:"changes"`
	}{Old: r.Old, New: r.New, Changes: []jsonChange{},
		Summary: map[string]int{"changes": len(r.Changes), "wireBreaking": w, "goApiBreaking": g, "compatible": c}}
	for _, ch := range r.Changes {
		jc := jsonChange{Kind: ch.Kind, What: ch.What, Sides: ch.Sides, WireBreaking: ch.Wire, GoAPIBreaking: ch.Go,
			Classification: ch.Label(), Why: ch.Why}
		if ch.Old.File != "" {
			jc.Old = ch.Old.String()
		}
		if ch.New.File != "" {
			jc.New = ch.New.String()
		}
		out.Changes = append(out.Changes, jc)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	return append(data, '\n'), err
}

// FailOn levels for "mluviigen diff --fail-on".
const (
	FailOnNone       = "none"        // never fail
	FailOnBreaking   = "breaking"    // fail on a wire-breaking change
	FailOnGoBreaking = "go-breaking" // fail on a wire- or Go-API-breaking change
)

// Fails reports whether the report meets the --fail-on level.
func (r *Report) Fails(level string) bool {
	w, g, _ := r.Counts()
	switch level {
	case FailOnBreaking:
		return w > 0
	case FailOnGoBreaking:
		return w > 0 || g > 0
	}
	return false
}
