package mluvii

import (
	"errors"
	"slices"
	"strings"
)

// Role is an activity's part in the protocol.
type Role string

// Roles.
const (
	// RoleRequest is an activity the bot sends to make mluvii do or answer something.
	RoleRequest Role = "request"
	// RoleResponse is mluvii's answer to a request, delivered to the callback URL.
	RoleResponse Role = "response"
	// RoleEvent is something that happened, sent by mluvii unasked.
	RoleEvent Role = "event"
	// RoleMessage is a chat message (either way).
	RoleMessage Role = "message"
)

// Support is one cell of the channel matrix: whether a channel supports an
// activity.
type Support string

// Support values.
const (
	// SupportYes means a source documents the activity as supported.
	SupportYes Support = "yes"
	// SupportNo means a source documents it as not supported.
	SupportNo Support = "no"
	// SupportUnverified means no source settles it either way.
	SupportUnverified Support = "unverified"
)

// Channel names a messaging channel of the matrix (WebChat, WhatsApp, …).
type Channel string

// ChannelSupport is one cell of an activity's channel row, with the source
// that says so.
type ChannelSupport struct {
	Channel Channel
	Support Support
	Source  string
}

// FieldInfo describes one field of an activity or named type.
type FieldInfo struct {
	// Name is the wire key; Aliases are other keys accepted for it.
	Name    string
	Aliases []string
	// GoName is the Go struct field.
	GoName string
	// Type is the spec's type expression: string, bool, int32, int64,
	// float64, timestamp, uuid, json, a named type, []T or map[string]T.
	Type string
	// TypeRef is Type parsed (by the generator, with the spec's parser), so
	// run-time code need not parse type expressions again.
	TypeRef TypeRef
	// Required fields must be present; Nullable ones may be null.
	Required bool
	Nullable bool
	Doc      string
	// Channels narrows the channel row of the activity (or of every activity
	// the struct occurs in) when the field is set, for the channels listed:
	// Message attachments render on WebChat and Facebook only.
	Channels []ChannelSupport
}

// TypeRef is a parsed type expression.
type TypeRef struct {
	// Kind is the spec name of a builtin kind (string, bool, int32, int64,
	// float64, timestamp, uuid, json), list ([]Elem), map (map[string]Elem),
	// or the kind of the named type Name: struct, enum or flags.
	Kind string
	// Name is the named type of a struct, enum or flags kind.
	Name string
	// Elem is the element type of a list or map.
	Elem *TypeRef
}

// String renders t as the spec's type expression.
func (t TypeRef) String() string {
	switch {
	case t.Kind == "list" && t.Elem != nil:
		return "[]" + t.Elem.String()
	case t.Kind == "map" && t.Elem != nil:
		return "map[string]" + t.Elem.String()
	case t.Name != "":
		return t.Name
	}
	return t.Kind
}

// ActivityInfo describes one activity as the spec does.
type ActivityInfo struct {
	// Name is the wire name; GoName the Go type.
	Name   string
	GoName string
	Role   Role
	// Sent reports whether the bot sends it; Received whether mluvii does.
	Sent, Received bool
	// HasSession reports whether it carries the session id.
	HasSession bool
	// Key is the key carrying the name when the activity is written.
	Key string
	// Aliases are other names that mean this activity.
	Aliases []string
	// MatchKey and MatchValues identify an activity that has no name on the
	// wire (the Bot Framework-style message: type "message").
	MatchKey    string
	MatchValues []string
	// Response names the activity that answers this request ("" for none);
	// Requests lists the requests a response answers.
	Response string
	Requests []string
	// RetrySafe reports whether sending it twice does no harm.
	RetrySafe bool
	// EndsSession reports whether mluvii sends nothing more for the
	// session after it (ConversationEnded): session state is dropped then.
	EndsSession bool
	// Channels is the channel-matrix row, in channel order.
	Channels []ChannelSupport
	// Fields are its own fields, without the session id and the envelope.
	Fields []FieldInfo
	// OneOf lists groups of fields of which at least one must be set.
	OneOf      [][]string
	Doc        string
	Docs       string
	Deprecated string
}

// SupportOn returns the activity's support on channel c; activities without
// a channel row are supported everywhere.
func (a ActivityInfo) SupportOn(c Channel) Support {
	if len(a.Channels) == 0 {
		return SupportYes
	}
	for _, cs := range a.Channels {
		if cs.Channel == c {
			return cs.Support
		}
	}
	return SupportUnverified
}

// TypeInfo describes a named type of the spec.
type TypeInfo struct {
	Name string
	// Kind is "struct", "enum" or "flags".
	Kind   string
	Fields []FieldInfo
	// Values are an enum's or flag set's wire values; Numbers the numbers
	// mluvii's models give some of them.
	Values  []string
	Numbers []EnumNumber
}

// EnumNumber is the number of one enum value.
type EnumNumber struct {
	Number int64
	Name   string
}

// Types returns every named type of the spec, in spec order.
func Types() []TypeInfo {
	return slices.Clone(typeInfos)
}

// EnvelopeFields returns the fields mluvii adds to every body it sends
// (language, source, …).
func EnvelopeFields() []FieldInfo {
	return slices.Clone(envelopeInfos)
}

// ChannelSources returns the session source values that mean channel c.
func ChannelSources(c Channel) []string {
	for _, cs := range channelSources {
		if cs.channel == c {
			return slices.Clone(cs.sources)
		}
	}
	return nil
}

// Activities returns every activity of the spec, in spec order. The result
// is a copy the caller may modify.
func Activities() []ActivityInfo {
	return slices.Clone(activityInfos)
}

// LookupActivity returns the activity named name (in any letter case when
// the spec says activity names are case-insensitive).
func LookupActivity(name string) (ActivityInfo, bool) {
	for _, a := range activityInfos {
		if a.Name == name || slices.Contains(a.Aliases, name) {
			return a, true
		}
	}
	if foldActivityNames {
		for _, a := range activityInfos {
			if strings.EqualFold(a.Name, name) || slices.ContainsFunc(a.Aliases, func(alias string) bool { return strings.EqualFold(alias, name) }) {
				return a, true
			}
		}
	}
	return ActivityInfo{}, false
}

// LookupType returns the named type name.
func LookupType(name string) (TypeInfo, bool) {
	for _, t := range typeInfos {
		if t.Name == name {
			return t, true
		}
	}
	return TypeInfo{}, false
}

// AllChannels returns the channels of the matrix, in order.
func AllChannels() []Channel {
	out := make([]Channel, len(channelSources))
	for i, c := range channelSources {
		out[i] = c.channel
	}
	return out
}

// ChannelOf returns the channel a session source value (the envelope's
// source, e.g. "Default") belongs to, or "" when no channel claims it.
func ChannelOf(source string) Channel {
	for _, c := range channelSources {
		for _, s := range c.sources {
			if strings.EqualFold(s, source) {
				return c.channel
			}
		}
	}
	return ""
}

type channelSource struct {
	channel Channel
	sources []string
}

// NewActivity returns a zero value of the activity named name, or nil when
// the spec does not know it.
func NewActivity(name string) Activity {
	if a := newActivity(name, ""); a != nil {
		return a
	}
	return nil
}

// ValidationError reports an activity the bot is about to send that breaks a
// rule of the spec (a required field unset, no field of a one-of group set).
type ValidationError struct {
	Activity string
	// Field is the wire key, or the keys of a one-of group joined by " or ".
	Field string
	Msg   string
}

// Error says which activity and field break which rule.
func (e *ValidationError) Error() string {
	return "mluvii: invalid " + e.Activity + ": " + e.Field + " " + e.Msg
}

// ErrInvalid is matched by every *ValidationError (errors.Is).
var ErrInvalid = errors.New("mluvii: invalid activity")

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
