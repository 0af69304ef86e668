// Command mluviigen generates a Go package for mluvii's chatbot protocol from a
// YAML spec: types with a lenient decoder, a client, a webhook dispatcher, a
// fake mluvii for tests (mluviitest) and a Markdown reference.
//
// Usage:
//
//	mluviigen [generate] [flags]   write the package into --out (required outside mluviigen's own module)
//	mluviigen check [flags]        exit 1 and print a unified diff when the package is stale
//	mluviigen spec                 print the embedded default spec
//	mluviigen schema               print the JSON Schema of the spec format
//
// Run "mluviigen help" for the flags. The command never imports the generated
// package, so a broken generated package never stops it from regenerating.
package main

import (
	"io"
	"os"

	"github.com/mluviigen/mluviigen/generator"
	"github.com/mluviigen/mluviigen/generator/ir"
)

// Exit codes.
const (
	exitOK    = 0 // success; check: the output is up to date
	exitFail  = 1 // spec errors, generation or I/O errors; check: the output is stale
	exitUsage = 2 // the command line is wrong: unknown command or flag, bad flag value, extra arguments
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run executes one command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, generate: generator.Generate}
	return c.main(args)
}

// cli is one invocation's environment. generate is generator.Generate except in
// tests, which substitute a fake to exercise writing, checking and cleaning
// independently of the emitters.
type cli struct {
	stdout, stderr io.Writer
	generate       func(*ir.API, generator.Options) (generator.Files, error)
}
