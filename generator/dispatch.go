package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// dispatch emits the Dispatcher's typed registration, one On… method for
// every activity mluvii sends to the bot. The dispatcher itself is runtime
// code (templates/runtime/dispatch*.go); the methods feed its register.
//
// Activities without a session (Ping) get none: the dispatcher answers them
// at once and never queues them.
func (g *gen) dispatch(f *jen.File) {
	f.Comment("This file holds the typed handler registration of Dispatcher.")
	f.Line()
	for _, a := range g.api.Activities {
		if a.Direction.Received() && a.HasSession {
			g.onMethod(f, a)
		}
	}
}

// onMethod emits On<GoName>.
func (g *gen) onMethod(f *jen.File, a *ir.Activity) {
	name := "On" + a.GoName
	for _, l := range onDoc(name, a) {
		f.Comment(l)
	}
	f.Func().Params(jen.Id("d").Op("*").Id(rt.Dispatcher)).Id(name).Params(
		jen.Id("h").Func().Params(
			jen.Id("ctx").Qual("context", "Context"),
			jen.Id("a").Op("*").Id(a.GoName),
		).Error(),
	).Block(
		jen.Id("d").Dot("register").Call(jen.Id("Activity"+a.GoName), jen.Id(rt.HandlerOf).Call(jen.Id("h"))),
	)
}

// onDoc is the godoc of an On… method: what it registers, the activity's own
// doc, who gets a response first, its docs link, and deprecation.
func onDoc(name string, a *ir.Activity) []string {
	lines := wrap(fmt.Sprintf("%s registers h as the handler of %s activities, replacing any earlier one; a nil h removes it. "+
		"It is safe at any time and applies to every event handled after it returns, including events already queued.", name, a.Wire))
	if len(a.Doc) > 0 {
		lines = append(lines, "")
		lines = append(lines, a.Doc...)
	}
	if a.Role == ir.Response {
		what := ""
		if len(a.Doc) == 0 && len(a.Requests) > 0 {
			var reqs []string
			for _, r := range a.Requests {
				reqs = append(reqs, r.Wire)
			}
			what = "It answers " + strings.Join(reqs, " and ") + ". "
		}
		lines = append(lines, "")
		lines = append(lines, wrap(what+"An …AndWait call waiting for it in the same session gets it first "+
			"(see Dispatcher.Waiters); h gets it only when nobody waits, e.g. when it arrives late.")...)
	}
	if a.Docs != "" {
		lines = append(lines, "", "See "+a.Docs)
	}
	if a.Deprecated != "" {
		lines = append(lines, "", "Deprecated: "+a.Deprecated)
	}
	return lines
}
