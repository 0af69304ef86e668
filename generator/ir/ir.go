// Package ir is the resolved model the emitters work from: Go names made, type
// references and request → response links resolved. It imports neither yaml nor
// jennifer. Slices keep the spec's order; nothing here is a map, so emitters
// cannot depend on map order.
package ir

import "github.com/mluviigen/mluviigen/spec/kind"

// API is the whole protocol.
type API struct {
	Name string   // spec name, the default Go package name
	Doc  []string // package documentation, one entry per line
	Docs string   // link to the protocol's documentation

	// Discriminator is the wire key naming the activity (matched in any case).
	Discriminator string
	// FoldCase makes discriminator values (activity names and aliases) match in
	// any letter case when decoding.
	FoldCase bool
	// Session is the session id field every session activity carries.
	Session *Field
	// Envelope lists the fields mluvii adds to every body it sends.
	Envelope []*Field

	Channels   []*Channel
	Structs    []*Struct
	Enums      []*Enum
	Activities []*Activity

	// Names lists every Go name the output declares because of the spec,
	// sorted: what Build claimed against the names the output declares
	// whatever the spec says. Emitters take the names they need from the
	// fields of the model; this list is what they may declare.
	Names []Name
	// Sources is the spec's sources table: the keys its Source strings cite.
	Sources []*Reference
}

// Reference is one entry of the sources table.
type Reference struct {
	Key, Title string
	URL        string // absolute http(s), or empty
}

// Packages of the output, for Name.Package.
const (
	MainPackage = ""           // the generated package
	TestPackage = "mluviitest" // its fake-mluvii subpackage
)

// Name is one Go name the output declares: a package-level name (Type
// empty), or a method or field of the type Type.
type Name struct {
	Package string
	Type    string
	Name    string
}

// Channel is one messaging channel.
type Channel struct {
	Name    string   // as in the matrix: WebChat, WhatsApp, …
	GoName  string   // WebChat, WhatsApp, VK, …
	Sources []string // session source values meaning this channel
	Doc     []string
	// ViewGoName names the per-channel client view (WhatsAppClient): the
	// part of the Client whose activities this channel supports.
	ViewGoName string
	// Accessor is the Client method returning the view (WhatsApp).
	Accessor string
}

// Supports reports whether a supports channel c: yes, or unverified unless
// strict. An activity without a cell for c does not support it.
func (a *Activity) Supports(c *Channel, strict bool) bool {
	cell := a.Cell(c)
	return cell != nil && (cell.Support == Yes || (cell.Support == Unverified && !strict))
}

// Cell returns a's matrix cell for channel c, or nil.
func (a *Activity) Cell(c *Channel) *Cell {
	for _, cell := range a.Channels {
		if cell.Channel == c {
			return cell
		}
	}
	return nil
}

// Direction of an activity.
type Direction int

// Directions.
const (
	ToMluvii Direction = iota + 1
	FromMluvii
	Both
)

// Sent reports whether the bot sends activities of this direction.
func (d Direction) Sent() bool { return d == ToMluvii || d == Both }

// Received reports whether mluvii sends activities of this direction to the bot.
func (d Direction) Received() bool { return d == FromMluvii || d == Both }

// Role of an activity.
type Role int

// Roles.
const (
	Request Role = iota + 1
	Response
	Event
	Message
)

// Support is one channel-matrix cell's value.
type Support int

// Support values.
const (
	Yes Support = iota + 1
	No
	Unverified
)

func (s Support) String() string {
	switch s {
	case Yes:
		return "yes"
	case No:
		return "no"
	case Unverified:
		return "unverified"
	}
	return "?"
}

// Activity is one activity of the protocol.
type Activity struct {
	Wire    string   // discriminator value, e.g. GetAvailableGroups
	GoName  string   // Go type name
	Aliases []string // other discriminator values meaning this activity
	// Key is the discriminator key written when marshalling (Ping: Activity).
	Key string
	// Match identifies an activity without a discriminator value.
	Match *Match

	Direction Direction
	Role      Role
	// HasSession reports whether the activity carries the session id.
	HasSession bool
	// Fields are the activity's own fields (not the session or envelope).
	Fields []*Field
	// Envelope lists the envelope fields this activity carries (for those mluvii sends).
	Envelope []*Field
	// KeyAliases lists extra wire keys (documentation typos) and their fields.
	KeyAliases []*KeyAlias

	// Response answers this request, nil for fire-and-forget.
	Response *Activity
	// Requests lists the requests this response answers.
	Requests []*Activity
	// RetrySafe reports whether sending the activity twice does no harm.
	RetrySafe bool
	// EndsSession reports whether mluvii sends nothing more for the
	// session after it.
	EndsSession bool
	// Channels is the matrix row, in channel order; empty for activities without one.
	Channels []*Cell
	// OneOf lists groups of fields of which at least one must be set.
	OneOf [][]*Field

	// Client names the Client's methods for an activity the bot sends:
	// Method (SendText), Wait (…AndWait, for requests with a response),
	// Option (the <GoName>Option interface of its optional fields outside
	// one-of groups, "" when it has none) and Targets (one interface per
	// one-of group). Expect names the fake's Session.Expect<GoName>.
	Client *ClientNames
	Expect string

	Doc        []string
	Docs       string
	Source     string
	Deprecated string
}

// ClientNames are the Client's names for one activity (see Activity.Client).
type ClientNames struct {
	Method, Wait, Option string
	Targets              []string
}

// Match identifies an activity by another key's value.
type Match struct {
	Key    string
	Values []string
}

// KeyAlias is an extra wire key for a field.
type KeyAlias struct {
	Key   string
	Field *Field
}

// Cell is one channel-matrix cell.
type Cell struct {
	Channel *Channel
	Support Support
	Source  string
}

// Field is one field of an activity, struct or the envelope.
type Field struct {
	Wire     string   // wire key
	GoName   string   // Go field name
	Aliases  []string // other wire keys accepted
	Type     *Type
	Optional bool
	Nullable bool
	// Positive requires a value above zero (the session id).
	Positive bool
	// Option names the Client option setting an optional field of an
	// activity the bot sends (WithText); its value's type is "opt" + the
	// name after With. Fields of the same Go name and type share one.
	Option     string
	Doc        []string
	Source     string
	Deprecated string
	// Channels narrows the owner's channel row when the field is set, for
	// the channels it names (in channel order).
	Channels []*Cell
}

// Keys returns the wire key followed by its aliases.
func (f *Field) Keys() []string { return append([]string{f.Wire}, f.Aliases...) }

// Kind of a type: the kinds of the one kind table, spec/kind (a leaf
// package, so ir still imports neither yaml nor jennifer).
type Kind = kind.Kind

// Kinds, under the names the emitters use.
const (
	String     = kind.String
	Bool       = kind.Bool
	Int32      = kind.Int32
	Int64      = kind.Int64
	Float64    = kind.Float64
	Time       = kind.Time // a timestamp that keeps its original text
	UUID       = kind.UUID // a string holding a UUID
	Raw        = kind.Raw  // any JSON, kept as raw bytes
	Slice      = kind.List
	Map        = kind.Map // map[string]Elem
	StructKind = kind.Struct
	EnumKind   = kind.Enum
	FlagsKind  = kind.Flags
)

// Type is a resolved type. Only the field matching Kind is set.
type Type struct {
	Kind   Kind
	Elem   *Type   // Slice, Map
	Struct *Struct // StructKind
	Enum   *Enum   // EnumKind, FlagsKind
}

// SliceOf returns []elem.
func SliceOf(elem *Type) *Type { return &Type{Kind: Slice, Elem: elem} }

// MapOf returns map[string]elem.
func MapOf(elem *Type) *Type { return &Type{Kind: Map, Elem: elem} }

// Struct is a named object type.
type Struct struct {
	Name   string // spec name
	GoName string
	Fields []*Field
	Doc    []string
	Source string
}

// Enum is an open string enum, or a flag set (Flags) whose single flag type is
// FlagGoName.
type Enum struct {
	Name       string
	GoName     string
	Flags      bool
	FlagGoName string
	Values     []*EnumValue
	Doc        []string
	Source     string
}

// ValueType is the Go name of one value's type: the enum itself, or the flag type.
func (e *Enum) ValueType() string {
	if e.Flags {
		return e.FlagGoName
	}
	return e.GoName
}

// EnumValue is one value of an enum.
type EnumValue struct {
	Wire      string
	GoName    string // constant name, e.g. GroupStateOnline
	Number    int64
	HasNumber bool
	Doc       []string
	Source    string
}
