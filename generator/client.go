package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// This file emits the Client's typed methods (client_methods_gen.go): for
// every activity the bot sends, a ctx-first method taking the session id and
// the required fields as parameters, each "one of" group as a target
// parameter, and the other optional fields as options; and for every request
// with a response an …AndWait method. The transport, retries, tokens and the
// waiting itself are runtime code (templates/runtime/client*.go).
//
// Optional fields become package-level options With<Field>, shared by every
// activity whose field of that name has the same Go type, so that
// WithText("…") serves SendMessage and RequestLocation alike; each activity
// has an <Activity>Option interface listing what it accepts, so a wrong
// option does not compile.

// clientPlan is everything the client emitters declare, named once.
type clientPlan struct {
	methods []*clientMethod
	opts    []*fieldOpt // in order of first use
}

// clientMethod is one activity's method (and AndWait method).
type clientMethod struct {
	a        *ir.Activity
	name     string // e.g. GetAvailableGroups, SendText
	waitName string // e.g. GetAvailableGroupsAndWait; "" without a response
	required []*ir.Field
	targets  []*targetGroup
	iface    string      // the <Activity>Option interface; "" without options
	opts     []*fieldOpt // options outside one-of groups
}

// targetGroup is a "one of" group: a parameter whose options set one of its fields.
type targetGroup struct {
	iface, marker, param string
	opts                 []*fieldOpt
}

// fieldOpt is one With<Field> option and the activity fields it sets.
type fieldOpt struct {
	fn, typ string // With<Field>, opt<Field>
	goType  *jen.Statement
	elem    *jen.Statement // a list field's element type: the option is variadic
	param   string
	uses    []optUse
}

type optUse struct {
	m      *clientMethod
	f      *ir.Field
	marker string // the target marker method, for one-of fields
}

// plan returns the client plan, made on first use and shared by the client,
// channel-view and docs emitters of this generation.
func (g *gen) plan() *clientPlan {
	if g.planned == nil {
		g.planned = g.clientPlan()
	}
	return g.planned
}

// clientPlan gathers the methods, options and interfaces of the client,
// named by Build (ir.Activity.Client, ir.Field.Option).
func (g *gen) clientPlan() *clientPlan {
	p := &clientPlan{}
	byName := map[string]*fieldOpt{}
	for _, a := range g.clientActivities() {
		cn := a.Client
		m := &clientMethod{a: a, name: cn.Method, waitName: cn.Wait, iface: cn.Option}
		inGroup := map[*ir.Field]int{}
		for i, group := range a.OneOf {
			for _, f := range group {
				inGroup[f] = i + 1
			}
			suffix := ""
			if i > 0 {
				suffix = fmt.Sprint(i + 1)
			}
			m.targets = append(m.targets, &targetGroup{iface: cn.Targets[i], marker: targetMarker(a, i), param: "target" + suffix})
		}
		for _, f := range a.Fields {
			if !f.Optional {
				m.required = append(m.required, f)
				continue
			}
			o := byName[f.Option]
			if o == nil {
				o = &fieldOpt{fn: f.Option, typ: optionType(f.Option), goType: fieldGoType(f), param: paramName(f.GoName)}
				if f.Type.Kind == ir.Slice {
					o.elem = goType(f.Type.Elem, false)
				}
				byName[f.Option] = o
				p.opts = append(p.opts, o)
			}
			use := optUse{m: m, f: f}
			if gi := inGroup[f]; gi > 0 {
				use.marker = m.targets[gi-1].marker
				m.targets[gi-1].opts = append(m.targets[gi-1].opts, o)
			} else {
				m.opts = append(m.opts, o)
			}
			o.uses = append(o.uses, use)
		}
		p.methods = append(p.methods, m)
	}
	return p
}

// clientMethods emits client_methods_gen.go.
func (g *gen) clientMethods(f *jen.File) {
	f.Comment("This file holds the Client's typed methods and their options.")
	f.Line()
	p := g.plan()
	for _, m := range p.methods {
		g.clientInterfaces(f, m)
		g.sendMethod(f, m)
		if m.waitName != "" {
			g.waitMethod(f, m)
		}
	}
	for _, o := range p.opts {
		g.optionFunc(f, o)
	}
}

// params are a method's parameters after ctx.
func (g *gen) params(m *clientMethod) []jen.Code {
	var ps []jen.Code
	if m.a.HasSession {
		ps = append(ps, jen.Id(g.sessionParam()).Int64())
	}
	for _, f := range m.required {
		ps = append(ps, jen.Id(paramName(f.GoName)).Add(fieldGoType(f)))
	}
	for _, t := range m.targets {
		ps = append(ps, jen.Id(t.param).Id(t.iface))
	}
	if m.iface != "" {
		ps = append(ps, jen.Id("opts").Op("...").Id(m.iface))
	}
	return append([]jen.Code{jen.Id("ctx").Qual("context", "Context")}, ps...)
}

// build is the body's first part: the activity built from the parameters.
func (g *gen) build(m *clientMethod) []jen.Code {
	a := m.a
	var init []jen.Code // in field order, session first
	if a.HasSession {
		init = append(init, jen.Id(g.api.Session.GoName).Op(":").Id(g.sessionParam()))
	}
	for _, f := range m.required {
		init = append(init, jen.Id(f.GoName).Op(":").Id(paramName(f.GoName)))
	}
	code := []jen.Code{jen.Id("a").Op(":=").Op("&").Id(a.GoName).Values(init...)}
	apply := "apply" + a.GoName
	for _, t := range m.targets {
		code = append(code, jen.If(jen.Id(t.param).Op("!=").Nil()).Block(
			jen.Id(t.param).Dot(apply).Call(jen.Id("a")),
		))
	}
	if m.iface != "" {
		code = append(code, jen.For(jen.List(jen.Id("_"), jen.Id("o")).Op(":=").Range().Id("opts")).Block(
			jen.If(jen.Id("o").Op("!=").Nil()).Block(jen.Id("o").Dot(apply).Call(jen.Id("a"))),
		))
	}
	return code
}

func (g *gen) sendMethod(f *jen.File, m *clientMethod) {
	for _, l := range g.sendDoc(m) {
		f.Comment(l)
	}
	body := append(g.build(m), jen.Return(jen.Id("c").Dot("Send").Call(jen.Id("ctx"), jen.Id("a"))))
	f.Func().Params(jen.Id("c").Op("*").Id(rt.Client)).Id(m.name).Params(g.params(m)...).Error().Block(body...)
}

func (g *gen) waitMethod(f *jen.File, m *clientMethod) {
	for _, l := range g.waitDoc(m) {
		f.Comment(l)
	}
	resp := m.a.Response.GoName
	body := append(g.build(m), jen.Return(
		jen.Id(rt.AndWait).Index(jen.Id(resp)).Call(jen.Id("ctx"), jen.Id("c"), jen.Id("a")),
	))
	f.Func().Params(jen.Id("c").Op("*").Id(rt.Client)).Id(m.waitName).Params(g.params(m)...).Params(
		jen.Op("*").Id(resp), jen.Error(),
	).Block(body...)
}

// clientInterfaces emits m's option interface and target interfaces.
func (g *gen) clientInterfaces(f *jen.File, m *clientMethod) {
	a := m.a
	apply := jen.Id("apply" + a.GoName).Params(jen.Op("*").Id(a.GoName))
	for _, t := range m.targets {
		for _, l := range wrap(fmt.Sprintf("%s is what %s targets: %s (one of them is required).", t.iface, m.name, optList(t.opts, " or "))) {
			f.Comment(l)
		}
		f.Type().Id(t.iface).Interface(apply.Clone(), jen.Id(t.marker).Params())
	}
	if m.iface != "" {
		for _, l := range wrap(fmt.Sprintf("%s is an option of %s: %s.", m.iface, m.name, optList(m.opts, ", "))) {
			f.Comment(l)
		}
		f.Type().Id(m.iface).Interface(apply.Clone())
	}
}

// optionFunc emits With<Field>, its type and its apply methods.
func (g *gen) optionFunc(f *jen.File, o *fieldOpt) {
	for _, l := range optionDoc(o) {
		f.Comment(l)
	}
	param := jen.Id(o.param).Add(o.goType.Clone())
	if o.elem != nil {
		param = jen.Id(o.param).Op("...").Add(o.elem.Clone())
	}
	f.Func().Id(o.fn).Params(param).Id(o.typ).Block(
		jen.Return(jen.Id(o.typ).Values(jen.Dict{jen.Id("v"): jen.Id(o.param)})),
	)
	f.Comment(fmt.Sprintf("%s is the option %s returns.", o.typ, o.fn))
	f.Type().Id(o.typ).Struct(jen.Id("v").Add(o.goType.Clone()))
	done := map[string]bool{}
	for _, u := range o.uses {
		act := u.m.a.GoName
		if done[act] {
			continue
		}
		done[act] = true
		f.Func().Params(jen.Id("o").Id(o.typ)).Id("apply" + act).Params(jen.Id("a").Op("*").Id(act)).Block(
			jen.Id("a").Dot(u.f.GoName).Op("=").Id("o").Dot("v"),
		)
		if u.marker != "" {
			f.Func().Params(jen.Id(o.typ)).Id(u.marker).Params().Block()
		}
	}
}

func optList(opts []*fieldOpt, sep string) string {
	names := make([]string, len(opts))
	for i, o := range opts {
		names[i] = o.fn
	}
	return strings.Join(names, sep)
}
