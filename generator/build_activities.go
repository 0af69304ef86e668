package generator

import (
	"sort"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

var (
	directions = map[string]ir.Direction{spec.ToMluvii: ir.ToMluvii, spec.FromMluvii: ir.FromMluvii, spec.Both: ir.Both}
	roles      = map[string]ir.Role{spec.RoleRequest: ir.Request, spec.RoleResponse: ir.Response, spec.RoleEvent: ir.Event, spec.RoleMessage: ir.Message}
	supports   = map[string]ir.Support{spec.SupportYes: ir.Yes, spec.SupportNo: ir.No, spec.SupportUnverified: ir.Unverified}
)

func (b *builder) activities(api *ir.API) {
	byWire := map[string]*ir.Activity{}
	for _, a := range b.s.Activities {
		goName := b.goName(a.GoName, a.Name, a.Pos, "activity "+a.Name)
		b.claimAs(pkgScope, goName, a.Pos, "activity "+a.Name, "", "; set goName")
		b.claimAs(pkgScope, "Activity"+goName, a.Pos, "activity "+a.Name+" name constant", "", "; set goName")
		act := &ir.Activity{
			Wire: a.Name, GoName: goName, Aliases: a.Aliases, Key: a.DiscriminatorKey,
			Direction: directions[a.Direction], Role: roles[a.Role], HasSession: a.IsSession(),
			RetrySafe: a.Retry == spec.RetrySafe, EndsSession: a.EndsSession,
			Doc: lines(a.Doc), Docs: a.Docs, Source: a.Source, Deprecated: a.Deprecated,
		}
		if act.Key == "" {
			act.Key = api.Discriminator
		}
		if a.Match != nil {
			act.Match = &ir.Match{Key: a.Match.Key, Values: a.Match.Values}
		}
		act.Fields = b.fields("activity "+a.Name, a.Fields)
		if act.Direction.Received() {
			act.Envelope = api.Envelope
		}
		b.pos[act] = a.Pos
		b.activityNames(api, act, a)
		b.keyAliases(api, act, a)
		b.oneOf(act, a)
		act.Channels = b.cells(a.Channels, a.ChannelSource)
		byWire[a.Name] = act
		api.Activities = append(api.Activities, act)
	}
	for i, a := range b.s.Activities {
		if a.Response == "" {
			continue
		}
		req, resp := api.Activities[i], byWire[a.Response]
		req.Response = resp
		resp.Requests = append(resp.Requests, req)
	}
}

func (b *builder) keyAliases(api *ir.API, act *ir.Activity, a *spec.Activity) {
	keys := make([]string, 0, len(a.KeyAliases))
	for k := range a.KeyAliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		target := a.KeyAliases[k]
		var f *ir.Field
		for _, cand := range append(append([]*ir.Field{api.Session}, act.Fields...), act.Envelope...) {
			if cand.Wire == target {
				f = cand
			}
		}
		if f != nil {
			act.KeyAliases = append(act.KeyAliases, &ir.KeyAlias{Key: k, Field: f})
		}
	}
}

func (b *builder) oneOf(act *ir.Activity, a *spec.Activity) {
	for _, group := range a.OneOf {
		var fs []*ir.Field
		for _, name := range group {
			for _, f := range act.Fields {
				if f.Wire == name {
					fs = append(fs, f)
				}
			}
		}
		act.OneOf = append(act.OneOf, fs)
	}
}

// activityNames claims the members of an activity's type and the methods
// other types get for it: the Dispatcher's On<GoName> for events with a
// session, the fake's Session.Expect<GoName> for what the bot sends.
func (b *builder) activityNames(api *ir.API, act *ir.Activity, a *spec.Activity) {
	what := "activity " + a.Name
	sc := scope{ir.MainPackage, act.GoName}
	kinds := []string{everyActivity}
	if act.Direction.Sent() {
		kinds = append(kinds, sentActivity)
	}
	// The session id and envelope were checked once (build); own fields may
	// not take their names.
	if act.HasSession {
		b.names.takeAs(sc, api.Session.GoName, "session", "the session field "+strconvQuote(api.Session.Wire), b.fieldPos[api.Session])
	}
	for _, f := range act.Envelope {
		b.names.takeAs(sc, f.GoName, "envelope", "the envelope field "+strconvQuote(f.Wire), b.fieldPos[f])
	}
	b.members(sc, what, act.Fields, kinds...)
	if act.Direction.Received() && act.HasSession {
		b.claimAs(scope{ir.MainPackage, "Dispatcher"}, "On"+act.GoName, a.Pos, what, "its handler registration method of Dispatcher", "; set goName")
	}
	if act.Direction.Sent() {
		act.Expect = "Expect" + act.GoName
		b.claimAs(scope{ir.TestPackage, "Session"}, act.Expect, a.Pos, what, "its expectation method of "+ir.TestPackage+".Session", "; set goName")
	}
}
