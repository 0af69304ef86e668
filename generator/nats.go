package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// natsGlue emits the spec-driven part of the NATS JetStream subpackage: the
// names of the generated package its runtime files (templates/mluviinats)
// use, which they cannot import by path since the generated package's
// import path is the user's.
func (g *gen) natsGlue(f *jen.File) {
	pkg := g.opts.ImportPath
	if pkg == "" {
		pkg = g.pkg
	}
	f.ImportName(pkg, g.pkg)
	f.PackageComment(fmt.Sprintf(`Package %s runs the dispatcher of package %s on NATS JetStream, so that
several replicas of a bot behind a load balancer share one queue, keep each
session's events in order across replicas, and answer each other's …AndWait
calls. It is generated only when asked for (mluviigen --with nats), and it is
the only generated package that imports a module beyond the standard library
(github.com/nats-io/nats.go).`, NATSPackage, g.pkg))
	for _, name := range []string{"Activity", "ActivityInfo", "Dispatcher", "DispatcherOption", "Queue", "QueuedEvent", "ResponseWaiter", "WaiterRegistry", "Waiters"} {
		f.Comment(fmt.Sprintf("%s is %s.%s.", name, g.pkg, name))
		f.Type().Id(name).Op("=").Qual(pkg, name)
	}
	f.Var().Defs(
		jen.Comment("decode is "+g.pkg+".Decode."),
		jen.Id("decode").Op("=").Qual(pkg, "Decode"),
		jen.Comment("errQueueClosed is "+g.pkg+".ErrQueueClosed."),
		jen.Id("errQueueClosed").Op("=").Qual(pkg, "ErrQueueClosed"),
		jen.Comment("errInFlight is "+g.pkg+".ErrInFlight."),
		jen.Id("errInFlight").Op("=").Qual(pkg, "ErrInFlight"),
		jen.Comment("lookupActivity is "+g.pkg+".LookupActivity."),
		jen.Id("lookupActivity").Op("=").Qual(pkg, "LookupActivity"),
	)
	// More names, one per line so that adding one stays a one-line change.
	for _, n := range [][2]string{
		{"activities", "Activities"},
		{"errQueueFull", "ErrQueueFull"},
		{"withQueue", "WithQueue"},
		{"withResponseWaiter", "WithResponseWaiter"},
		{"withWaiterRegistry", "WithWaiterRegistry"},
	} {
		f.Comment(fmt.Sprintf("%s is %s.%s.", n[0], g.pkg, n[1]))
		f.Var().Id(n[0]).Op("=").Qual(pkg, n[1])
	}
}
