package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// command is one subcommand. Its flags live in an options value; run gets the
// positional arguments left after flag parsing.
type command struct {
	name     string
	summary  string // one line, for the command list
	usage    string // synopsis after "mluviigen "
	about    string // a paragraph for --help
	examples string // indented examples for --help
	flags    func(fs *pflag.FlagSet, o *options)
	run      func(c *cli, cmd *command, o *options, args []string) int
}

// commands lists the subcommands in help order; the first is the default. It
// is filled in init because the commands' run functions refer back to it.
var commands []*command

func init() { commands = []*command{generateCmd, checkCmd, diffCmd, specCmd, schemaCmd} }

func lookup(name string) *command {
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

// main picks the subcommand (generate when the first argument is a flag or
// there is none), parses its flags and runs it.
func (c *cli) main(args []string) int {
	cmd, given := commands[0], args
	switch {
	case len(args) > 0 && isHelpFlag(args[0]):
		// "mluviigen --help": the overview, then the default command's help.
		c.overview()
		fmt.Fprintln(c.stdout)
		c.commandHelp(cmd)
		return exitOK
	case len(args) > 0 && args[0] == "help":
		return c.help(args[1:])
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		if cmd = lookup(args[0]); cmd == nil {
			return c.usageError(nil, "unknown command %q%s (commands: %s)", args[0], didYouMean(args[0]), commandNames())
		}
		args = args[1:]
	}
	o := new(options)
	fs := newFlagSet(cmd, o)
	if err := fs.Parse(args); err != nil {
		return c.usageError(cmd, "%v", err)
	}
	if o.help {
		c.commandHelp(cmd)
		return exitOK
	}
	if err := o.validate(fs); err != nil {
		return c.usageError(cmd, "%v", err)
	}
	if err := o.resolveOut(fs, given); err != nil {
		return c.usageError(cmd, "%v", err)
	}
	return cmd.run(c, cmd, o, fs.Args())
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" }

func newFlagSet(cmd *command, o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("mluviigen "+cmd.name, pflag.ContinueOnError)
	fs.SortFlags = false // keep the order of definition: the important flags first
	fs.Usage = func() {} // help and errors are printed by cli
	fs.SetOutput(io.Discard)
	if cmd.flags != nil {
		cmd.flags(fs, o)
	}
	fs.BoolVarP(&o.help, "help", "h", false, "show this help")
	return fs
}

// usageError reports a wrong command line on stderr with a pointer to help.
func (c *cli) usageError(cmd *command, format string, args ...any) int {
	prefix, helpCmd := "mluviigen", "mluviigen --help"
	if cmd != nil {
		prefix, helpCmd = "mluviigen "+cmd.name, "mluviigen "+cmd.name+" --help"
	}
	fmt.Fprintf(c.stderr, "%s: %s\n", prefix, fmt.Sprintf(format, args...))
	fmt.Fprintf(c.stderr, "Run '%s' for usage.\n", helpCmd)
	return exitUsage
}

// help implements "mluviigen help [command]".
func (c *cli) help(args []string) int {
	switch {
	case len(args) == 0:
		c.overview()
		return exitOK
	case len(args) > 1:
		return c.usageError(nil, "help takes at most one command")
	}
	if args[0] == "help" {
		c.overview()
		return exitOK
	}
	cmd := lookup(args[0])
	if cmd == nil {
		return c.usageError(nil, "unknown command %q (commands: %s)", args[0], commandNames())
	}
	c.commandHelp(cmd)
	return exitOK
}

// didYouMean suggests the command name starts with, e.g. "gen" → generate.
func didYouMean(name string) string {
	for _, cmd := range commands {
		if name != "" && strings.HasPrefix(cmd.name, strings.ToLower(name)) {
			return fmt.Sprintf(" (did you mean %q?)", cmd.name)
		}
	}
	return ""
}

func commandNames() string {
	var names []string
	for _, cmd := range commands {
		names = append(names, cmd.name)
	}
	return strings.Join(names, ", ")
}

func (c *cli) overview() {
	fmt.Fprint(c.stdout, `mluviigen generates a Go package for mluvii's chatbot protocol from a YAML spec.

Usage:
  mluviigen [command] [flags]

Commands:
`)
	for i, cmd := range commands {
		summary := cmd.summary
		if i == 0 {
			summary += " (the default)"
		}
		fmt.Fprintf(c.stdout, "  %-10s %s\n", cmd.name, summary)
	}
	fmt.Fprint(c.stdout, `  help       show help for a command

Run 'mluviigen <command> --help' for a command's flags and examples.

Exit status: 0 on success; 1 on spec errors (printed as file:line:col: message),
generation or I/O errors, or when check finds stale output; 2 when the command
line is wrong (unknown command or flag, bad flag value, extra arguments).
`)
}

func (c *cli) commandHelp(cmd *command) {
	fmt.Fprintf(c.stdout, "Usage:\n  mluviigen %s\n\n%s\n", cmd.usage, cmd.about)
	fmt.Fprintf(c.stdout, "\nFlags:\n%s", flagUsages(newFlagSet(cmd, new(options))))
	if cmd.examples != "" {
		fmt.Fprintf(c.stdout, "\nExamples:\n%s", cmd.examples)
	}
}

// flagUsages lists the flags in definition order, one per line, with their
// defaults. (pflag's own listing marks every bool "[=true|false]".)
func flagUsages(fs *pflag.FlagSet) string {
	var left, right []string
	fs.VisitAll(func(f *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(f)
		l := "      --" + f.Name
		if f.Shorthand != "" {
			l = "  -" + f.Shorthand + ", --" + f.Name
		}
		if name != "" {
			l += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		left, right = append(left, l), append(right, usage)
	})
	width := 0
	for _, l := range left {
		width = max(width, len(l))
	}
	var b strings.Builder
	for i := range left {
		fmt.Fprintf(&b, "%-*s   %s\n", width, left[i], right[i])
	}
	return b.String()
}
