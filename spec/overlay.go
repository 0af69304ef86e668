package spec

import "errors"

// Source is one spec file: the name positions and headers show for it (used
// verbatim) and its contents.
type Source struct {
	Path string
	Data []byte
}

// LoadOverlaid parses base and every overlay, merges the overlays into base in
// order (see Merge) and validates the result. Problems come back as one
// ErrorList, positioned in the file each comes from, all at once: those of
// parsing (unknown keys, values of the wrong kind), the merge conflicts and
// the validation problems, except those that only repeat an earlier one (the
// mapping a misspelt key was meant for, which now lacks it). Only YAML that
// cannot be read at all stops it early, with the syntax errors of every file.
func LoadOverlaid(base Source, overlays ...Source) (*Spec, error) {
	var errs ErrorList
	add := func(path string, err error) {
		var list ErrorList
		if errors.As(err, &list) {
			errs = append(errs, list...)
		} else if err != nil {
			errs = append(errs, &Error{Pos: Pos{File: path}, Msg: err.Error()})
		}
	}
	unreadable := false
	parse := func(src Source) *Spec {
		s, err := Parse(src.Path, src.Data)
		add(src.Path, err)
		unreadable = unreadable || s == nil
		return s
	}
	s := parse(base)
	var layers []*Spec
	for _, o := range overlays {
		layers = append(layers, parse(o))
	}
	if unreadable {
		return nil, errs.Err()
	}
	merged, err := merge(s, layers...)
	add(base.Path, err)
	var found ErrorList
	if err := merged.Validate(); err != nil {
		found = err.(ErrorList)
	}
	errs = append(errs, errs.withoutFollowOns(found)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return merged, nil
}
