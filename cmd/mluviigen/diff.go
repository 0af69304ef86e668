package main

import (
	"fmt"
	"slices"

	"github.com/spf13/pflag"

	"github.com/mluviigen/mluviigen/generator"
	"github.com/mluviigen/mluviigen/generator/specdiff"
	"github.com/mluviigen/mluviigen/spec"
)

// embeddedArg names the embedded default spec in place of a file.
const embeddedArg = "embedded"

var diffCmd = &command{
	name:    "diff",
	summary: "list and classify the changes between two specs",
	usage:   "diff OLD NEW [flags]",
	about: `Compares two specs and lists every added, removed and changed activity, field,
enum value, pairing, retry judgement and channel cell, each classified:
wire-breaking (a bot generated from OLD misbehaves against mluvii as NEW
describes it), Go-API-breaking (code written against OLD's package no longer
compiles against NEW's), or compatible. OLD and NEW are spec files, or
"` + embeddedArg + `" for the embedded ` + spec.DefaultPath + `; --overlay and --old-overlay
merge overlays into NEW and OLD. Exit status 1 when --fail-on is met.`,
	examples: `  # What did the embedded spec change since the copy you generated from?
  mluviigen diff api/mluvii-2025-01.yaml embedded

  # What does your overlay change, as a Markdown table for the pull request?
  mluviigen diff embedded embedded --overlay mluvii-extra.yaml --format markdown

  # In CI: fail on changes that break deployed bots.
  mluviigen diff old.yaml new.yaml --fail-on breaking
`,
	flags: func(fs *pflag.FlagSet, o *options) {
		fs.StringArrayVar(&o.overlays, "overlay", nil, "merge the overlay `FILE` into NEW (repeatable, in order)")
		fs.StringArrayVar(&o.oldOverlays, "old-overlay", nil, "merge the overlay `FILE` into OLD (repeatable, in order)")
		fs.StringVar(&o.format, "format", "text", "report `FORMAT`: text, markdown or json")
		fs.StringVar(&o.failOn, "fail-on", specdiff.FailOnNone, "exit 1 when a change reaches `LEVEL`: breaking (wire), go-breaking (wire or Go API) or none")
	},
	run: (*cli).runDiff,
}

func (c *cli) runDiff(cmd *command, o *options, args []string) int {
	if len(args) != 2 {
		return c.usageError(cmd, "diff takes two specs, OLD and NEW (a file, or %q), got %d", embeddedArg, len(args))
	}
	if !slices.Contains([]string{"text", "markdown", "json"}, o.format) {
		return c.usageError(cmd, "--format %q must be text, markdown or json", o.format)
	}
	if !slices.Contains([]string{specdiff.FailOnNone, specdiff.FailOnBreaking, specdiff.FailOnGoBreaking}, o.failOn) {
		return c.usageError(cmd, "--fail-on %q must be breaking, go-breaking or none", o.failOn)
	}
	oldName, oldSpec, ok := c.loadForDiff("OLD", args[0], "--old-overlay", o.oldOverlays)
	newName, newSpec, ok2 := c.loadForDiff("NEW", args[1], "--overlay", o.overlays)
	if !ok || !ok2 {
		return exitFail
	}
	r := &specdiff.Report{Old: oldName, New: newName, Changes: specdiff.Compare(oldSpec, newSpec)}
	var out []byte
	switch o.format {
	case "text":
		out = []byte(r.Text())
	case "markdown":
		out = []byte(r.Markdown())
	case "json":
		var err error
		if out, err = r.JSON(); err != nil {
			c.fail(err)
			return exitFail
		}
	}
	if _, err := c.stdout.Write(out); err != nil {
		c.fail(err)
		return exitFail
	}
	if r.Fails(o.failOn) {
		fmt.Fprintf(c.stderr, "mluviigen diff: changes reach --fail-on %s\n", o.failOn)
		return exitFail
	}
	return exitOK
}

// loadForDiff loads one side of a diff: a spec file or the embedded spec, with
// overlays. It reports errors itself, a file that cannot be read with the
// argument (OLD, NEW) or flag (overlayFlag) that named it.
func (c *cli) loadForDiff(argName, arg, overlayFlag string, overlayFiles []string) (string, *spec.Spec, bool) {
	name, data := spec.DefaultPath, spec.DefaultYAML
	if arg != embeddedArg {
		var err error
		if data, err = readInput(argName, arg); err != nil {
			return "", nil, c.fail(err)
		}
		name = specName(arg)
	}
	overlays, err := readOverlays(overlayFlag, overlayFiles)
	if err != nil {
		return "", nil, c.fail(err)
	}
	s, err := spec.LoadOverlaid(spec.Source{Path: name, Data: data}, overlays...)
	if err != nil {
		return "", nil, c.fail(err)
	}
	return generator.InputName(name, overlays), s, true
}
