package specdiff

// Side says how the changed thing travels, seen from the bot.
type Side string

// Sides, in the order reports list them.
const (
	// Send: an activity the bot sends, or one of its fields (typed Client
	// methods take required fields as parameters, optional ones as options).
	Send Side = "send"
	// SendType: a field of a named type that occurs in what the bot sends
	// (a struct field in Go; no method parameter depends on it).
	SendType Side = "send-type"
	// Receive: what mluvii sends to the bot (events, responses, the envelope
	// and the types in them).
	Receive Side = "receive"
)

var sides = []Side{Send, SendType, Receive}

// Verdict classifies one kind of change on one side.
type Verdict struct {
	// Wire: a bot generated from OLD, unchanged, misbehaves when mluvii
	// behaves as NEW says.
	Wire bool
	// Go: code written against the package generated from OLD no longer
	// compiles against the one generated from NEW.
	Go bool
	// Why explains the verdict in a few words.
	Why string
}

var (
	compatible = Verdict{}
	wire       = Verdict{Wire: true}
	goAPI      = Verdict{Go: true}
	both       = Verdict{Wire: true, Go: true}
)

// because returns v with its reason.
func (v Verdict) because(why string) Verdict { v.Why = why; return v }

// all gives every side the same verdict.
func all(v Verdict) map[Side]Verdict { return map[Side]Verdict{Send: v, SendType: v, Receive: v} }

// bySide gives the send sides (Send, SendType) one verdict and Receive another.
func bySide(send, receive Verdict) map[Side]Verdict {
	return map[Side]Verdict{Send: send, SendType: send, Receive: receive}
}

// rules is the classification, one entry per kind of change and side. The
// question is always the same two: does a bot generated from OLD still work
// against mluvii as NEW describes it (wire), and does its code still compile
// after regenerating from NEW (Go)? TestRulesComplete checks that every kind
// has a verdict for every side.
var rules = map[Kind]map[Side]Verdict{
	// Activities.
	ActivityAdded: bySide(compatible.because("a new Client method; nothing that exists changes"),
		compatible.because("old bots decode it as *Unknown and carry on")),
	ActivityRemoved: bySide(both.because("old bots may still send it and mluvii no longer accepts it; its type and methods are gone"),
		goAPI.because("its type and On… handler are gone; old bots merely never receive it")),
	ActivityCase:   all(compatible.because("activity names match in any letter case")),
	ActivityGoName: all(goAPI.because("the Go type (and its methods and handler) is renamed; the wire name is unchanged")),
	ActivityRole:   all(goAPI.because("role decides method naming, pairing and docs; the wire shape is unchanged")),
	DirectionGained: bySide(compatible.because("a new Client method"),
		compatible.because("old bots decode it as *Unknown and carry on")),
	DirectionLost: bySide(both.because("old bots may still send it and mluvii no longer accepts it; its methods are gone"),
		goAPI.because("its On… handler is gone; old bots merely never receive it")),
	ActivityAliasAdded: bySide(compatible.because("old bots keep sending the name mluvii still accepts"),
		wire.because("old bots do not recognise the new name and decode such bodies as *Unknown")),
	ActivityAliasRemoved: bySide(wire.because("mluvii no longer accepts the name old bots might send"),
		compatible.because("old bots accept a name mluvii no longer sends")),
	ActivitySession: all(both.because("the session id appears or disappears: bodies and method parameters change")),
	ActivityWireKey: all(wire.because("how the activity is written or recognised on the wire changes")),
	Deprecated:      all(compatible.because("documentation only; the Go declaration is marked Deprecated")),

	// Pairing, retries and channels of what the bot sends.
	ResponseAdded:   all(compatible.because("a new …AndWait method; old bots do not wait for the answer")),
	ResponseRemoved: all(both.because("old bots waiting for the answer wait until their context ends; the …AndWait method is gone")),
	ResponseChanged: all(both.because("old bots wait for an answer mluvii no longer sends; …AndWait returns another type")),
	RetryNowUnsafe: bySide(wire.because("old bots retry it, and a retry may now take effect twice"),
		compatible.because("retries concern only what the bot sends")),
	RetryNowSafe:      all(compatible.because("old bots merely do not retry where they now could")),
	SessionEndAdded:   all(compatible.because("old bots keep the session's state until its idle timeout instead of dropping it at once")),
	SessionEndRemoved: all(wire.because("old bots drop the session's state at an activity after which mluvii may now send more")),
	CellLost: bySide(both.because("old bots may send it on a channel that does not support it; the channel's client view loses the method"),
		compatible.because("mluvii sends it on fewer channels; nothing in the bot depends on that")),
	CellWeakened: all(compatible.because("support is no longer confirmed, not refuted; only --strict-channels output drops the method")),
	FieldCellLost: bySide(wire.because("old bots may set the field on a channel that no longer renders it, and mluvii answers 400"),
		compatible.because("mluvii sends it on fewer channels; nothing in the bot depends on that")),
	FieldCellWeakened: all(compatible.because("support of the field is no longer confirmed, not refuted")),
	FieldCellGained:   all(compatible.because("bots may now set the field on that channel")),
	CellGained:        all(compatible.because("the channel's client view gains the method")),
	OneOfAdded: bySide(both.because("old bots may set none of the group's fields; the method gains a target parameter"),
		compatible.because("constraints concern only what the bot sends")),
	OneOfRemoved: bySide(goAPI.because("the method's target parameter becomes options"),
		compatible.because("constraints concern only what the bot sends")),
	KeyAliasAdded: bySide(compatible.because("old bots write the key mluvii still accepts"),
		wire.because("old bots miss values sent under the new key")),
	KeyAliasRemoved: all(compatible.because("bots write canonical keys; old bots accept a key mluvii no longer sends")),

	// Fields (of activities, named types and the envelope).
	FieldAdded: all(compatible.because("an optional field: a new option or struct field; old bots ignore it or leave it unset")),
	FieldAddedRequired: {
		Send:     both.because("old bots do not send it and mluvii requires it; the method gains a parameter"),
		SendType: wire.because("old bots do not send it and mluvii requires it"),
		Receive:  compatible.because("old bots ignore unknown keys"),
	},
	FieldRemoved: bySide(both.because("mluvii ignores what old bots send in it; the parameter, option or struct field is gone"),
		both.because("old bots rely on a value mluvii no longer sends; the struct field is gone")),
	FieldType: all(both.because("values of the old type no longer fit: bodies fail to decode or are rejected; the Go type changes")),
	FieldRequired: {
		Send:     both.because("old bots may leave it out and mluvii now requires it; an option becomes a parameter"),
		SendType: wire.because("old bots may leave it out and mluvii now requires it"),
		Receive:  compatible.because("old bots already handle it present"),
	},
	FieldOptional: {
		Send:     goAPI.because("a parameter becomes an option; old bots always send it, which is fine"),
		SendType: compatible.because("old bots always send it, which is fine"),
		Receive:  wire.because("old bots may assume it is present, and their decoder may reject its absence"),
	},
	FieldNullable: bySide(compatible.because("old bots never send null where it is now allowed"),
		wire.because("old bots' decoders may reject null where it was not allowed")),
	FieldNotNullable: bySide(compatible.because("the generated client never sends null for a non-nullable field"),
		compatible.because("old bots accept null mluvii no longer sends")),
	FieldPointer: all(goAPI.because("the struct-typed field switches between T and *T (it may now, or no longer, be absent or null)")),
	FieldGoName:  all(goAPI.because("the Go field (and its option or parameter) is renamed; the wire key is unchanged")),
	FieldAliasAdded: bySide(compatible.because("bots write the canonical key"),
		wire.because("old bots miss values sent under the new key")),
	FieldAliasRemoved: all(compatible.because("bots write the canonical key; old bots accept a key mluvii no longer sends")),

	// Named types and enum values.
	TypeAdded:   all(compatible.because("a new Go type")),
	TypeRemoved: all(goAPI.because("the Go type is gone (fields using it are listed separately)")),
	TypeKind:    all(both.because("values change shape between struct, enum and flags")),
	TypeGoName:  all(goAPI.because("a Go type is renamed")),
	ValueAdded: bySide(compatible.because("a new constant"),
		compatible.because("enums are open: old bots keep an unknown value as its string")),
	ValueRemoved: bySide(both.because("mluvii no longer accepts the value old bots may send; the constant is gone"),
		goAPI.because("the constant is gone; old bots merely never receive the value")),
	ValueNumber: all(wire.because("numbers stand for values on the wire (and flags are sums of them)")),

	// Channels and the protocol's frame.
	ChannelAdded:     all(compatible.because("a new channel constant and client view")),
	ChannelRemoved:   all(goAPI.because("the channel's constant and client view are gone")),
	ChannelSources:   all(compatible.because("which session sources map to the channel; ChannelOf answers differently")),
	DiscriminatorKey: all(both.because("every body names its activity under another key")),
	FoldCaseGained: bySide(compatible.because("bots write names as the spec spells them"),
		wire.because("old bots miss activity names sent in another letter case")),
	FoldCaseLost: all(compatible.because("old bots accept more spellings than mluvii now sends")),
	SessionField: all(both.because("every body carries the session id under another key")),
}
