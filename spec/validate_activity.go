package spec

import (
	"sort"
	"strings"
)

func (v *validator) validateActivity(a *Activity, reserved map[string]Pos) {
	at := func(key string) Pos { return v.at(a.Keys, key, a.Pos) }
	if a.GoName != "" && !identRE.MatchString(a.GoName) {
		v.errs.Add(at("goName"), "activity %s: goName %q is not an identifier", a.Name, a.GoName)
	}
	validDirection := true
	switch a.Direction {
	case ToMluvii, FromMluvii, Both:
	default:
		validDirection = false
		v.errs.Add(at("direction"), "activity %s: direction %q must be one of toMluvii, fromMluvii, both", a.Name, a.Direction)
	}
	switch a.Role {
	case RoleRequest, RoleResponse, RoleEvent, RoleMessage:
	default:
		v.errs.Add(at("role"), "activity %s: role %q must be one of request, response, event, message", a.Name, a.Role)
	}
	sends := a.Direction == ToMluvii || a.Direction == Both
	// With an invalid direction the error above says all there is to say.
	if a.Role == RoleRequest && validDirection && a.Direction != ToMluvii {
		v.errs.Add(at("role"), "activity %s: a request must have direction toMluvii", a.Name)
	}
	if a.Role == RoleResponse && validDirection && a.Direction != FromMluvii {
		v.errs.Add(at("role"), "activity %s: a response must have direction fromMluvii", a.Name)
	}
	fields := v.fields("activity "+a.Name, a.Fields, reserved)
	v.response(a)
	if a.Role == RoleResponse && a.Direction == FromMluvii && !v.named[strings.ToLower(a.Name)] {
		v.errs.Add(at("role"), "activity %s: role response, but no request names it (add \"response: %s\" to the request mluvii answers with it, or make it role event)", a.Name, a.Name)
	}
	v.retry(a, sends)
	if a.EndsSession && (a.Direction == ToMluvii || !a.IsSession()) {
		v.errs.Add(at("endsSession"), "activity %s: endsSession applies only to activities mluvii sends with a session id", a.Name)
	}
	v.channelRow(a, sends)
	v.oneOf(a, fields)
	v.keyAliases(a, fields, reserved)
	if a.Match != nil && (a.Match.Key == "" || len(a.Match.Values) == 0) {
		v.errs.Add(at("match"), "activity %s: match needs a key and at least one value", a.Name)
	}
	if a.DiscriminatorKey != "" && !strings.EqualFold(a.DiscriminatorKey, v.s.Discriminator.Key) {
		v.errs.Add(at("discriminatorKey"), "activity %s: discriminatorKey %q must be a spelling of %q", a.Name, a.DiscriminatorKey, v.s.Discriminator.Key)
	}
}

func (v *validator) response(a *Activity) {
	if a.Response == "" {
		return
	}
	pos := v.at(a.Keys, "response", a.Pos)
	if a.Role != RoleRequest {
		v.errs.Add(pos, "activity %s: only requests have a response", a.Name)
		return
	}
	r := v.acts[strings.ToLower(a.Response)]
	switch {
	case r == nil:
		var names []string
		for _, x := range v.s.Activities {
			names = append(names, x.Name)
		}
		v.errs.Add(pos, "activity %s: response %q is not an activity%s", a.Name, a.Response, didYouMean(a.Response, names))
	case r.Name != a.Response:
		v.errs.Add(pos, "activity %s: response %q must be spelled %q", a.Name, a.Response, r.Name)
	case r.Role != RoleResponse:
		v.errs.Add(pos, "activity %s: response %q is not a response activity (its role is %s)", a.Name, a.Response, r.Role)
	}
}

func (v *validator) retry(a *Activity, sends bool) {
	switch {
	case !sends && a.Retry != "":
		v.errs.Add(v.at(a.Keys, "retry", a.Pos), "activity %s: retry applies only to activities sent to mluvii", a.Name)
	case sends && a.Retry == "":
		v.errs.Add(a.Pos, "activity %s: retry (safe or unsafe) is required for activities sent to mluvii", a.Name)
	case a.Retry != "" && a.Retry != RetrySafe && a.Retry != RetryUnsafe:
		v.errs.Add(v.at(a.Keys, "retry", a.Pos), "activity %s: retry %q must be safe or unsafe", a.Name, a.Retry)
	}
}

func (v *validator) channelRow(a *Activity, sends bool) {
	if a.Channels == nil {
		if sends && len(v.s.Channels) > 0 {
			v.errs.Add(a.Pos, "activity %s: channels is required for activities sent to mluvii", a.Name)
		}
		return
	}
	pos := v.at(a.Keys, "channels", a.Pos)
	names := make([]string, 0, len(a.Channels))
	for name := range a.Channels {
		names = append(names, name)
	}
	sort.Strings(names)
	var declared []string
	for _, c := range v.s.Channels {
		declared = append(declared, c.Name)
	}
	for _, name := range names {
		cell := a.Channels[name]
		if v.channels[name] == nil {
			v.errs.Add(cell.Pos, "activity %s: unknown channel %q%s", a.Name, name, didYouMean(name, declared))
		}
		switch cell.Support {
		case SupportYes, SupportNo, SupportUnverified:
		default:
			v.errs.Add(cell.Pos, "activity %s: channel %s: %q must be yes, no or unverified", a.Name, name, cell.Support)
		}
	}
	for _, c := range v.s.Channels {
		if a.Channels[c.Name] == nil {
			v.errs.Add(pos, "activity %s: channel %s has no cell (yes, no or unverified)", a.Name, c.Name)
		}
	}
	if a.ChannelSource == "" {
		for _, name := range names {
			// An unknown channel's cell is reported above, and once is enough.
			if v.channels[name] != nil && a.Channels[name].Source == "" {
				v.errs.Add(pos, "activity %s: channel %s has no source (set channelSource or the cell's source)", a.Name, name)
			}
		}
	}
}

func (v *validator) oneOf(a *Activity, fields map[string]*Field) {
	for _, group := range a.OneOf {
		if len(group) < 2 {
			v.errs.Add(v.at(a.Keys, "oneOf", a.Pos), "activity %s: a oneOf group needs at least two fields", a.Name)
		}
		for _, name := range group {
			f := fields[strings.ToLower(name)]
			switch {
			case f == nil || f.Name != name:
				v.errs.Add(v.at(a.Keys, "oneOf", a.Pos), "activity %s: oneOf names unknown field %q", a.Name, name)
			case !f.Optional:
				v.errs.Add(v.at(a.Keys, "oneOf", a.Pos), "activity %s: oneOf field %q must be optional", a.Name, name)
			}
		}
	}
}

func (v *validator) keyAliases(a *Activity, fields map[string]*Field, reserved map[string]Pos) {
	pos := v.at(a.Keys, "keyAliases", a.Pos)
	aliases := make([]string, 0, len(a.KeyAliases))
	for k := range a.KeyAliases {
		aliases = append(aliases, k)
	}
	sort.Strings(aliases)
	for _, alias := range aliases {
		target := a.KeyAliases[alias]
		lt := strings.ToLower(target)
		_, envelope := reserved[lt]
		if f := fields[lt]; (f == nil || f.Name != target) && !envelope {
			v.errs.Add(pos, "activity %s: key alias %q points to unknown field %q", a.Name, alias, target)
		}
		if _, taken := reserved[strings.ToLower(alias)]; taken || fields[strings.ToLower(alias)] != nil {
			v.errs.Add(pos, "activity %s: key alias %q is already a key", a.Name, alias)
		}
	}
}
