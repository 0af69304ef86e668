// Package spec is mluviigen's input language: the YAML description of mluvii's
// chatbot protocol (activities, fields, types, channels and quirks), parsed with
// positions so every problem can be reported as file:line:col.
//
// The types here mirror the YAML one to one; Go naming and link resolution happen
// later, in generator.Build.
package spec

// Spec is one parsed spec file (or the result of merging overlays into a base).
type Spec struct {
	// Name names the API; it becomes the default Go package name.
	Name string `yaml:"name"`
	// Doc is the package documentation.
	Doc string `yaml:"doc"`
	// Docs is a link to the protocol's documentation.
	Docs string `yaml:"docs"`
	// Sources is the table of the keys that source strings cite (sources.go).
	Sources []*Reference `yaml:"sources"`
	// Discriminator is the key whose value names the activity.
	Discriminator Discriminator `yaml:"discriminator"`
	// Session describes the session id every activity carries unless it opts out.
	Session Session `yaml:"session"`
	// Envelope lists the fields mluvii adds to every body it sends to the bot.
	Envelope []*Field `yaml:"envelope"`
	// Channels lists the messaging channels, in matrix column order.
	Channels []*Channel `yaml:"channels"`
	// Types lists the named types (structs, enums, flag sets).
	Types []*Type `yaml:"types"`
	// Activities lists every activity, in the order the output follows.
	Activities []*Activity `yaml:"activities"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Discriminator says which key carries the activity name.
type Discriminator struct {
	// Key is the wire key (matched in any letter case when decoding).
	Key string `yaml:"key"`
	// FoldCase makes activity names match in any letter case when decoding;
	// mluvii's docs write typing for Typing.
	FoldCase bool   `yaml:"foldCase"`
	Doc      string `yaml:"doc"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Session describes the session id field.
type Session struct {
	// Field is the wire key, e.g. sessionId.
	Field string `yaml:"field"`
	Doc   string `yaml:"doc"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Channel is one messaging channel a session can come from.
type Channel struct {
	// Name is the channel's name as the matrix uses it (WebChat, Facebook, …).
	Name string `yaml:"name"`
	// Sources lists the session `source` values that mean this channel.
	Sources []string `yaml:"sources"`
	Doc     string   `yaml:"doc"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Type kinds.
const (
	KindStruct = "struct"
	KindEnum   = "enum"
	KindFlags  = "flags"
)

// Type is a named type: a struct, an open string enum, or a flag set.
type Type struct {
	Name string `yaml:"name"`
	// Kind is struct, enum or flags.
	Kind string `yaml:"kind"`
	Doc  string `yaml:"doc"`
	// Source says where the facts come from.
	Source string `yaml:"source"`
	// Fields of a struct.
	Fields []*Field `yaml:"fields"`
	// Values of an enum or a flag set.
	Values []*EnumValue `yaml:"values"`
	// Flag names the type of one flag of a flag set (e.g. GroupOfflineReason for
	// GroupOfflineReasons).
	Flag string `yaml:"flag"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// EnumValue is one value of an enum or flag set.
type EnumValue struct {
	// Name is the value as sent on the wire.
	Name string `yaml:"name"`
	// Number is the numeric value mluvii's models give it, if any.
	Number *int64 `yaml:"number"`
	Doc    string `yaml:"doc"`
	Source string `yaml:"source"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Directions and roles of activities.
const (
	ToMluvii   = "toMluvii"
	FromMluvii = "fromMluvii"
	Both       = "both"

	RoleRequest  = "request"
	RoleResponse = "response"
	RoleEvent    = "event"
	RoleMessage  = "message"

	RetrySafe   = "safe"
	RetryUnsafe = "unsafe"
)

// Activity is one activity of the protocol.
type Activity struct {
	// Name is the discriminator value and, unless GoName is set, the Go type name.
	Name   string `yaml:"name"`
	GoName string `yaml:"goName"`
	// Direction is toMluvii, fromMluvii or both.
	Direction string `yaml:"direction"`
	// Role is request, response, event or message.
	Role string `yaml:"role"`
	Doc  string `yaml:"doc"`
	// Docs links to mluvii's documentation of the activity.
	Docs string `yaml:"docs"`
	// Source says where the facts come from.
	Source     string `yaml:"source"`
	Deprecated string `yaml:"deprecated"`

	// Aliases are other discriminator values that mean this activity.
	Aliases []string `yaml:"aliases"`
	// DiscriminatorKey overrides the key used when this activity is written
	// (Ping is sent as {"Activity":"Ping"}).
	DiscriminatorKey string `yaml:"discriminatorKey"`
	// Match identifies an activity that has no discriminator value (the untyped
	// outgoing message is recognised by type: message).
	Match *Match `yaml:"match"`
	// Session is false for activities without a session id (Ping).
	Session *bool `yaml:"session"`
	// KeyAliases maps other wire keys (documentation typos) to field names.
	KeyAliases map[string]string `yaml:"keyAliases"`

	// Response names the activity that answers this request.
	Response string `yaml:"response"`
	// Retry is safe when sending the request twice does no harm.
	Retry string `yaml:"retry"`
	// EndsSession marks the activity after which mluvii sends nothing more
	// for the session: the dispatcher's session state is dropped after it.
	EndsSession bool `yaml:"endsSession"`
	// Channels is the support matrix row: channel name → cell.
	Channels map[string]*Cell `yaml:"channels"`
	// ChannelSource says where the matrix row comes from.
	ChannelSource string `yaml:"channelSource"`
	// OneOf lists groups of fields of which at least one must be set.
	OneOf [][]string `yaml:"oneOf"`

	Fields []*Field `yaml:"fields"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Match identifies an activity by another key's value.
type Match struct {
	Key    string   `yaml:"key"`
	Values []string `yaml:"values"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Channel support values.
const (
	SupportYes        = "yes"
	SupportNo         = "no"
	SupportUnverified = "unverified"
)

// Cell is one cell of the channel matrix. In YAML it is either a bare support
// value (yes, no, unverified) or a mapping {support: …, source: …}.
type Cell struct {
	Support string `yaml:"support"`
	// Source overrides the row's channelSource for this cell.
	Source string `yaml:"source"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// Field is one field of an activity, struct or the envelope.
type Field struct {
	// Name is the wire key.
	Name   string `yaml:"name"`
	GoName string `yaml:"goName"`
	// Type is a type expression: string, bool, int32, int64, float64, timestamp,
	// uuid, json, a named type, []T or map[string]T.
	Type string `yaml:"type"`
	// Optional fields may be absent; their zero value means "not set".
	Optional bool `yaml:"optional"`
	// Nullable fields may be null on the wire.
	Nullable bool `yaml:"nullable"`
	// Aliases are other wire keys accepted for this field.
	Aliases    []string `yaml:"aliases"`
	Doc        string   `yaml:"doc"`
	Source     string   `yaml:"source"`
	Deprecated string   `yaml:"deprecated"`
	// Channels narrows the activity's channel row when the field is set
	// (non-empty): channel name → cell. Channels it leaves out follow the
	// activity's row.
	Channels map[string]*Cell `yaml:"channels"`
	// ChannelSource says where the field's cells come from; cells without
	// their own source use it.
	ChannelSource string `yaml:"channelSource"`

	Pos  Pos            `yaml:"-"`
	Keys map[string]Pos `yaml:"-"`
}

// IsSession reports whether the activity carries the session id.
func (a *Activity) IsSession() bool { return a.Session == nil || *a.Session }
