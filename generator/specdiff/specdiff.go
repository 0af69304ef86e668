// Package specdiff compares two mluviigen specs and classifies every change as
// wire-breaking, Go-API-breaking or compatible (rules.go holds the table). It
// backs "mluviigen diff OLD NEW".
package specdiff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mluviigen/mluviigen/spec"
)

// Kind names a kind of change; rules classifies each.
type Kind string

// Kinds of change.
const (
	ActivityAdded        Kind = "activity-added"
	ActivityRemoved      Kind = "activity-removed"
	ActivityCase         Kind = "activity-name-case"
	ActivityGoName       Kind = "activity-go-name"
	ActivityRole         Kind = "activity-role"
	DirectionGained      Kind = "direction-gained"
	DirectionLost        Kind = "direction-lost"
	ActivityAliasAdded   Kind = "activity-alias-added"
	ActivityAliasRemoved Kind = "activity-alias-removed"
	ActivitySession      Kind = "activity-session"
	ActivityWireKey      Kind = "activity-wire-key"
	Deprecated           Kind = "deprecated"
	ResponseAdded        Kind = "response-added"
	ResponseRemoved      Kind = "response-removed"
	ResponseChanged      Kind = "response-changed"
	RetryNowUnsafe       Kind = "retry-unsafe"
	RetryNowSafe         Kind = "retry-safe"
	SessionEndAdded      Kind = "session-end-added"
	FieldCellLost        Kind = "field-channel-cell-lost"
	FieldCellWeakened    Kind = "field-channel-cell-weakened"
	FieldCellGained      Kind = "field-channel-cell-gained"
	SessionEndRemoved    Kind = "session-end-removed"
	CellLost             Kind = "channel-cell-lost"
	CellWeakened         Kind = "channel-cell-weakened"
	CellGained           Kind = "channel-cell-gained"
	OneOfAdded           Kind = "one-of-added"
	OneOfRemoved         Kind = "one-of-removed"
	KeyAliasAdded        Kind = "key-alias-added"
	KeyAliasRemoved      Kind = "key-alias-removed"
	FieldAdded           Kind = "field-added"
	FieldAddedRequired   Kind = "field-added-required"
	FieldRemoved         Kind = "field-removed"
	FieldType            Kind = "field-type"
	FieldRequired        Kind = "field-required"
	FieldOptional        Kind = "field-optional"
	FieldNullable        Kind = "field-nullable"
	FieldNotNullable     Kind = "field-not-nullable"
	FieldPointer         Kind = "field-pointer"
	FieldGoName          Kind = "field-go-name"
	FieldAliasAdded      Kind = "field-alias-added"
	FieldAliasRemoved    Kind = "field-alias-removed"
	TypeAdded            Kind = "type-added"
	TypeRemoved          Kind = "type-removed"
	TypeKind             Kind = "type-kind"
	TypeGoName           Kind = "type-go-name"
	ValueAdded           Kind = "value-added"
	ValueRemoved         Kind = "value-removed"
	ValueNumber          Kind = "value-number"
	ChannelAdded         Kind = "channel-added"
	ChannelRemoved       Kind = "channel-removed"
	ChannelSources       Kind = "channel-sources"
	DiscriminatorKey     Kind = "discriminator-key"
	FoldCaseGained       Kind = "fold-case-gained"
	FoldCaseLost         Kind = "fold-case-lost"
	SessionField         Kind = "session-field"
)

// Change is one difference between two specs, classified.
type Change struct {
	Kind Kind
	// What describes the change in a sentence fragment, e.g.
	// `activity SendText: field "priority" added (required)`.
	What string
	// Sides are how the changed thing travels (an activity sent both ways
	// has two); the verdict is the worst over them.
	Sides []Side
	Verdict
	// Old and New locate the change in each spec (zero when absent there).
	Old, New spec.Pos
}

// Pos is where to look: in NEW when the change is there, else in OLD.
func (c Change) Pos() spec.Pos {
	if c.New.File != "" {
		return c.New
	}
	return c.Old
}

// Compare lists the changes from old to new (both validated specs): in NEW's
// order, removals after what they were removed from, the breaking ones first
// (wire, then Go-API), the compatible ones last.
func Compare(old, new *spec.Spec) []Change {
	d := &differ{old: old, new: new, oldUse: typeUse(old), newUse: typeUse(new)}
	d.frame()
	d.channels()
	d.types()
	d.fields("the envelope", old.Envelope, new.Envelope, []Side{Receive})
	d.activities()
	sort.SliceStable(d.changes, func(i, j int) bool { return rank(d.changes[i]) < rank(d.changes[j]) })
	return d.changes
}

func rank(c Change) int {
	switch {
	case c.Wire:
		return 0
	case c.Go:
		return 1
	}
	return 2
}

type differ struct {
	old, new       *spec.Spec
	oldUse, newUse map[string][]Side // named type → the sides it occurs on
	changes        []Change
}

// add records a change of kind on sides, classified by rules.
func (d *differ) add(kind Kind, sides []Side, old, new spec.Pos, format string, args ...any) {
	c := Change{Kind: kind, What: fmt.Sprintf(format, args...), Sides: sides, Old: old, New: new}
	c.Verdict = classify(kind, sides)
	d.changes = append(d.changes, c)
}

// classify is the worst verdict over the sides; the reasons of the sides
// that give it, labelled by side when the sides disagree.
func classify(kind Kind, on []Side) Verdict {
	var v Verdict
	var whys []string
	for _, s := range on {
		sv, ok := rules[kind][s]
		if !ok {
			panic(fmt.Sprintf("specdiff: no rule for %s on %s", kind, s))
		}
		v.Wire, v.Go = v.Wire || sv.Wire, v.Go || sv.Go
		whys = append(whys, sv.Why)
	}
	distinct := map[string]bool{}
	for _, w := range whys {
		distinct[w] = true
	}
	if len(distinct) == 1 {
		v.Why = whys[0]
		return v
	}
	var parts []string
	for i, s := range on {
		parts = append(parts, string(s)+": "+whys[i])
	}
	v.Why = strings.Join(parts, "; ")
	return v
}
