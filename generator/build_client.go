package generator

import (
	"fmt"
	"strings"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// client names the Client's methods, options and interfaces for every
// activity the bot sends (emitted by client.go), and the accessors of the
// channel views (channels.go). The names do not depend on --channel: a
// package generated for some channels names what it has as the full one does.
//
// Names the spec cannot set are picked predictably instead of failing: a
// method taking one of the Client's own names gets an Activity suffix, an
// option name taken by another type falls back to With<Activity><Field>.
func (b *builder) client(api *ir.API) {
	client := scope{ir.MainPackage, "Client"}
	pkg := scope{ir.MainPackage, ""}
	byField := map[string]string{} // Go field name + Go type → option
	for _, a := range api.Activities {
		if !a.Direction.Sent() {
			continue
		}
		what := "activity " + a.Wire
		cn := &ir.ClientNames{Method: a.GoName}
		a.Client = cn
		if a.Role == ir.Message && !strings.HasPrefix(cn.Method, "Send") {
			cn.Method = "Send" + cn.Method
		}
		for !b.free(client, cn.Method, cn.Method+"AndWait") {
			cn.Method += "Activity"
		}
		b.names.take(client, cn.Method, what+" client method", b.pos[a])
		if a.Response != nil {
			cn.Wait = cn.Method + "AndWait"
			b.names.take(client, cn.Wait, what+" client method", b.pos[a])
		}
		inGroup := map[*ir.Field]bool{}
		for i, group := range a.OneOf {
			for _, f := range group {
				inGroup[f] = true
			}
			suffix := ""
			if i > 0 {
				suffix = fmt.Sprint(i + 1)
			}
			cn.Targets = append(cn.Targets, b.pick(pkg, what+" target interface", a.GoName+"Target"+suffix))
		}
		hasOpts := false
		for _, f := range a.Fields {
			if !f.Optional {
				continue
			}
			key := f.GoName + " " + fmt.Sprintf("%#v", fieldGoType(f))
			if f.Option = byField[key]; f.Option == "" {
				f.Option = b.pickOption(pkg, what, "With"+f.GoName, "With"+a.GoName+f.GoName)
				byField[key] = f.Option
			}
			b.names.take(scope{ir.MainPackage, optionType(f.Option)}, "apply"+a.GoName, what+" option", b.pos[a])
			hasOpts = hasOpts || !inGroup[f]
		}
		for i, group := range a.OneOf {
			for _, f := range group {
				b.names.take(scope{ir.MainPackage, optionType(f.Option)}, targetMarker(a, i), what+" target", b.pos[a])
			}
		}
		if hasOpts {
			cn.Option = b.pick(pkg, what+" option interface", a.GoName+"Option", a.GoName+"Opt")
		}
	}
	for _, c := range api.Channels {
		c.Accessor = c.GoName
		if !b.free(client, c.Accessor) {
			c.Accessor = c.ViewGoName
		}
		b.claim(client, c.Accessor, b.pos[c], "channel "+c.Name+" view accessor Client."+c.Accessor)
	}
}

// optionType is the type of the value an option function returns.
func optionType(fn string) string { return "opt" + strings.TrimPrefix(fn, "With") }

// targetMarker is the marker method of a's one-of group i.
func targetMarker(a *ir.Activity, i int) string {
	if i == 0 {
		return "target" + a.GoName
	}
	return fmt.Sprintf("target%s%d", a.GoName, i+1)
}

// pick claims the first free package-level name of the candidates; when all
// are taken it numbers the last one.
func (b *builder) pick(sc scope, what string, candidates ...string) string {
	return b.pickWith(sc, what, func(n string) []string { return []string{n} }, candidates...)
}

// pickOption picks an option function whose value type is free too.
func (b *builder) pickOption(sc scope, what string, candidates ...string) string {
	return b.pickWith(sc, what+" option", func(n string) []string { return []string{n, optionType(n)} }, candidates...)
}

func (b *builder) pickWith(sc scope, what string, all func(string) []string, candidates ...string) string {
	last := candidates[len(candidates)-1]
	for i := 2; ; i++ {
		for _, c := range candidates {
			if b.free(sc, all(c)...) {
				for _, n := range all(c) {
					b.names.take(sc, n, what, spec.Pos{})
				}
				return c
			}
		}
		candidates = []string{last + fmt.Sprint(i)}
	}
}

// cards claims the methods client_cards.go adds to the card types.
func (b *builder) cards(api *ir.API) {
	for _, m := range cardMethods(api) {
		b.claim(scope{ir.MainPackage, m.recv.GoName}, m.name, b.pos[m.recv], "type "+m.recv.Name+" card builder method")
	}
}
