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
// ErrorList, positioned in the file each comes from: the syntax errors of every
// file at once; else every merge conflict; else every validation problem.
func LoadOverlaid(base Source, overlays ...Source) (*Spec, error) {
	var errs ErrorList
	parse := func(src Source) *Spec {
		s, err := Parse(src.Path, src.Data)
		var list ErrorList
		if errors.As(err, &list) {
			errs = append(errs, list...)
		} else if err != nil {
			errs = append(errs, &Error{Pos: Pos{File: src.Path}, Msg: err.Error()})
		}
		return s
	}
	s := parse(base)
	var layers []*Spec
	for _, o := range overlays {
		layers = append(layers, parse(o))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	merged, err := Merge(s, layers...)
	if err != nil {
		return nil, err
	}
	if err := merged.Validate(); err != nil {
		return nil, err
	}
	return merged, nil
}
