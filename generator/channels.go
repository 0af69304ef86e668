package generator

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// This file emits channels_gen.go: which channels the Client serves, and, in a
// package generated for every channel, one client view per channel.
//
// Channel support comes only from the spec's matrix: an activity is on a
// channel when its cell is yes, or unverified unless Options.StrictChannels.
//
//   - Options.Channels empty (the default package): the Client has every
//     method, and each channel gets a view, an interface such as
//     WhatsAppClient listing the Client methods of the activities WhatsApp
//     supports, obtained with c.WhatsApp(). *Client implements every view, so
//     a view costs nothing at run time, and calling a method the channel does
//     not support does not compile.
//   - Options.Channels set (--channel): the Client itself has only the methods
//     of activities supported on all the listed channels, and there are no
//     views. Decode, the dispatcher and Client.Send still know every activity.

// resolveChannels turns Options.Channels (any letter case) into the spec's
// channels, in the order given.
func resolveChannels(api *ir.API, names []string) ([]*ir.Channel, error) {
	var known []string
	for _, c := range api.Channels {
		known = append(known, c.Name)
	}
	var out []*ir.Channel
	for _, name := range names {
		var found *ir.Channel
		for _, c := range api.Channels {
			if strings.EqualFold(c.Name, strings.TrimSpace(name)) {
				found = c
			}
		}
		switch {
		case len(known) == 0:
			return nil, fmt.Errorf("channel %q: the spec declares no channels", name)
		case found == nil:
			return nil, fmt.Errorf("unknown channel %q%s; the spec's channels are %s", name, spec.DidYouMean(name, known), strings.Join(known, ", "))
		}
		out = append(out, found)
	}
	return out, nil
}

// ResolveChannels checks channel names against a spec's channels, as
// Generate does with Options.Channels, and returns their spelling in the spec.
func ResolveChannels(api *ir.API, names []string) ([]string, error) {
	chans, err := resolveChannels(api, names)
	var out []string
	for _, c := range chans {
		out = append(out, c.Name)
	}
	return out, err
}

// onClient reports whether the Client gets a method for activity a: without
// --channel always, otherwise when every listed channel supports a.
func (g *gen) onClient(a *ir.Activity) bool {
	for _, c := range g.channels {
		if !a.Supports(c, g.opts.StrictChannels) {
			return false
		}
	}
	return true
}

// leftOutOfClient lists the activities a bot sends that the --channel Client
// has no method for, in spec order.
func (g *gen) leftOutOfClient() []string {
	var left []string
	for _, a := range g.api.Activities {
		if a.Direction.Sent() && !g.onClient(a) {
			left = append(left, a.GoName)
		}
	}
	return left
}

// channelPackageDoc is the paragraph of the package documentation of a
// package generated with --channel: go doc shows it first, so a missing
// Client method is explained where a user looks. Nil without --channel.
func (g *gen) channelPackageDoc() []string {
	if len(g.channels) == 0 {
		return nil
	}
	var names []string
	for _, c := range g.channels {
		names = append(names, c.Name)
	}
	on := "on " + names[0]
	if len(names) > 1 {
		on = "on all of " + strings.Join(names, ", ")
	}
	doc := "This package was generated with --channel " + strings.Join(names, ",") + ": its Client has methods only for the activities supported " + on + "."
	if left := g.leftOutOfClient(); len(left) > 0 {
		doc += " Left out of it: " + strings.Join(left, ", ") + "; send those with Client.Send (see ClientChannels)."
	}
	return wrap(doc)
}

// channelViews emits channels_gen.go.
func (g *gen) channelViews(f *jen.File) {
	g.clientChannelsVar(f)
	if len(g.channels) > 0 {
		return
	}
	p := g.plan()
	for _, c := range g.api.Channels {
		g.channelView(f, p, c, c.Accessor)
	}
}

// clientChannelsVar emits ClientChannels, the --channel restriction.
func (g *gen) clientChannelsVar(f *jen.File) {
	if len(g.api.Channels) == 0 {
		return
	}
	var names, vals []string
	for _, c := range g.channels {
		names = append(names, c.Name)
		vals = append(vals, "Channel"+c.GoName)
	}
	doc := "ClientChannels lists the channels the Client is restricted to: it has methods only for the activities supported on all of them"
	if g.opts.StrictChannels {
		doc += " (yes in the channel matrix; unverified ones are left out)"
	} else {
		doc += " (yes or unverified in the channel matrix)"
	}
	if len(names) == 0 {
		doc += ". It is empty: this package was generated for every channel, and the per-channel views (" + g.api.Channels[0].ViewGoName + ", …) restrict the Client instead."
	} else {
		doc += ". This package was generated with --channel " + strings.Join(names, ",") + "; Client.Send still sends any activity, and Decode and the Dispatcher still understand every activity."
		if left := g.leftOutOfClient(); len(left) > 0 {
			doc += " Left out of the Client (not supported on every one of these channels): " + strings.Join(left, ", ") + "."
		}
	}
	for _, l := range wrap(doc) {
		f.Comment(l)
	}
	if len(vals) == 0 {
		f.Var().Id("ClientChannels").Index().Id(rt.Channel)
		return
	}
	var items []jen.Code
	for _, v := range vals {
		items = append(items, jen.Id(v))
	}
	f.Var().Id("ClientChannels").Op("=").Index().Id(rt.Channel).Values(items...)
}

// channelView emits the view interface of channel c and the Client's accessor.
func (g *gen) channelView(f *jen.File, p *clientPlan, c *ir.Channel, accessor string) {
	strict := g.opts.StrictChannels
	which := "yes or unverified"
	if strict {
		which = "yes"
	}
	for _, l := range wrap(fmt.Sprintf("%s is the part of Client that %s supports: the methods of the activities whose %s cell in the channel matrix is %s. Get it with Client.%s; calling a method %s does not support does not compile. *Client implements it.", c.ViewGoName, c.Name, c.Name, which, accessor, c.Name)) {
		f.Comment(l)
	}
	var methods []jen.Code
	for _, m := range p.methods {
		if !m.a.Supports(c, strict) {
			continue
		}
		cell := m.a.Cell(c)
		note := fmt.Sprintf("%s is Client.%s; on %s: %s", m.name, m.name, c.Name, cell.Support)
		if cell.Source != "" {
			note += " (" + cell.Source + ")"
		}
		methods = append(methods, jen.Comment(note+"."),
			jen.Id(m.name).Params(g.params(m)...).Error())
		if m.waitName != "" {
			methods = append(methods, jen.Comment(fmt.Sprintf("%s is Client.%s.", m.waitName, m.waitName)),
				jen.Id(m.waitName).Params(g.params(m)...).Params(jen.Op("*").Id(m.a.Response.GoName), jen.Error()))
		}
	}
	f.Type().Id(c.ViewGoName).Interface(methods...)
	f.Comment(fmt.Sprintf("%s returns c as a %s: only the methods %s supports.", accessor, c.ViewGoName, c.Name))
	f.Func().Params(jen.Id("c").Op("*").Id(rt.Client)).Id(accessor).Params().Id(c.ViewGoName).Block(jen.Return(jen.Id("c")))
}

// clientNote is ACTIVITIES.md's paragraph on what the Client covers.
func (g *gen) clientNote() string {
	which := "yes or unverified"
	if g.opts.StrictChannels {
		which = "yes"
	}
	if len(g.channels) > 0 {
		var names []string
		for _, c := range g.channels {
			names = append(names, c.Name)
		}
		return fmt.Sprintf("This package was generated for %s (`--channel`): its `Client` has methods only for the activities whose cell is %s on every one of them. `Client.Send` still sends any activity, and `Decode` and the `Dispatcher` understand every activity.",
			strings.Join(names, ", "), which)
	}
	if len(g.api.Channels) == 0 {
		return ""
	}
	c := g.api.Channels[0]
	return fmt.Sprintf("The `Client` has a method for every activity the bot sends. Each channel has a view of it that lists only the methods of the activities whose cell is %s on that channel, e.g. `c.%s()` returns a `%s`; calling a method the channel does not support does not compile.",
		which, c.GoName, c.ViewGoName)
}

// clientDoc is ACTIVITIES.md's line on the Client methods of a sent activity.
func (g *gen) clientDoc(a *ir.Activity, m *clientMethod) string {
	if m == nil {
		var why []string
		for _, c := range g.channels {
			if !a.Supports(c, g.opts.StrictChannels) {
				support := "no cell"
				if cell := a.Cell(c); cell != nil {
					support = cell.Support.String()
				}
				why = append(why, c.Name+": "+support)
			}
		}
		return "none in this package (" + strings.Join(why, ", ") + "); send it with `Client.Send`."
	}
	s := "`Client." + m.name + "`"
	if m.waitName != "" {
		s += " and `Client." + m.waitName + "`"
	}
	if len(g.channels) > 0 || len(g.api.Channels) == 0 {
		return s + "."
	}
	var views []string
	for _, c := range g.api.Channels {
		if a.Supports(c, g.opts.StrictChannels) {
			views = append(views, "`"+c.ViewGoName+"`")
		}
	}
	switch len(views) {
	case 0:
		return s + "; in no channel view."
	case len(g.api.Channels):
		return s + "; in every channel view."
	}
	return s + "; also in " + strings.Join(views, ", ") + "."
}
