package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// This file emits builders for the Bot Framework card format that mluvii's
// outgoing Message uses (client_cards_gen.go): NewHeroCard("…").WithButtons(
// IMBack("Yes", "yes")), NewSuggestedActions(…), and a card as a RichCard.
//
// The format is Microsoft's, not a mluvii quirk, so the constants it needs
// (the card content types, the imBack action) live here; everything else
// comes from the spec's types. Each builder is emitted only when the spec
// declares the types it needs with the expected shape (Attachment with
// contentType and a struct content; CardAction with type, title and a JSON
// value; SuggestedActions with a list of actions; RichCard with contentType and
// JSON content), so a spec without them gets no builders.

// Bot Framework constants.
const (
	heroContentType      = "application/vnd.microsoft.card.hero"
	thumbnailContentType = "application/vnd.microsoft.card.thumbnail"
	imBackType           = "imBack"
)

// structNamed returns the spec's struct type with the given spec name.
func (g *gen) structNamed(name string) *ir.Struct { return structNamed(g.api, name) }

func structNamed(api *ir.API, name string) *ir.Struct {
	for _, s := range api.Structs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// fieldOf returns st's field with the given wire key and kind, or nil.
func fieldOf(st *ir.Struct, wire string, kind ir.Kind) *ir.Field {
	if st == nil {
		return nil
	}
	for _, f := range st.Fields {
		if f.Wire == wire && f.Type.Kind == kind {
			return f
		}
	}
	return nil
}

// clientCards emits client_cards_gen.go.
func (g *gen) clientCards(f *jen.File) {
	f.Comment("This file holds builders for Bot Framework cards, buttons and suggested actions.")
	f.Line()
	g.cardBuilders(f)
	g.actionBuilders(f)
}

// cardMethod is a method the card builders add to a spec type.
type cardMethod struct {
	recv *ir.Struct
	name string
}

// cardMethods lists the methods cardBuilders and actionBuilders emit on the
// spec's types, for Build to claim: they must agree with the emitters below
// (TestDeclaredNamesAreClaimed checks that they do). The package-level names
// of the builders are reserved (emitterNames).
func cardMethods(api *ir.API) []cardMethod {
	var out []cardMethod
	att := structNamed(api, "Attachment")
	if content := fieldOf(att, "content", ir.StructKind); content != nil && fieldOf(att, "contentType", ir.String) != nil {
		for _, fl := range content.Type.Struct.Fields {
			out = append(out, cardMethod{att, "With" + fl.GoName})
		}
		rc := structNamed(api, "RichCard")
		if fieldOf(rc, "contentType", ir.String) != nil && fieldOf(rc, "content", ir.Raw) != nil {
			out = append(out, cardMethod{att, rc.GoName})
		}
	}
	action := structNamed(api, "CardAction")
	if fieldOf(action, "type", ir.String) != nil && fieldOf(action, "title", ir.String) != nil && fieldOf(action, "value", ir.Raw) != nil {
		for _, fl := range action.Fields {
			if fl.Optional {
				out = append(out, cardMethod{action, "With" + fl.GoName})
			}
		}
	}
	return out
}

// cardBuilders emits NewHeroCard, NewThumbnailCard and the With… methods
// that fill an Attachment's card.
func (g *gen) cardBuilders(f *jen.File) {
	att := g.structNamed("Attachment")
	ct, content := fieldOf(att, "contentType", ir.String), fieldOf(att, "content", ir.StructKind)
	if ct == nil || content == nil {
		return
	}
	card := content.Type.Struct
	f.Comment("Content types of the Bot Framework cards mluvii documents, for " + att.GoName + "." + ct.GoName + ".")
	f.Const().Defs(
		jen.Id("ContentTypeHeroCard").Op("=").Lit(heroContentType),
		jen.Id("ContentTypeThumbnailCard").Op("=").Lit(thumbnailContentType),
	)
	title := fieldOf(card, "title", ir.String)
	for _, k := range []struct{ fn, constant, what string }{
		{"NewHeroCard", "ContentTypeHeroCard", "a hero card (a large image above the title, text and buttons)"},
		{"NewThumbnailCard", "ContentTypeThumbnailCard", "a thumbnail card (a small image beside the title, text and buttons)"},
	} {
		inner := jen.Dict{}
		var params []jen.Code
		if title != nil {
			params = append(params, jen.Id("title").String())
			inner[jen.Id(title.GoName)] = jen.Id("title")
		}
		for _, l := range wrap(fmt.Sprintf("%s returns %s as an %s for a message's attachments; chain the With… methods to fill it.", k.fn, k.what, att.GoName)) {
			f.Comment(l)
		}
		f.Func().Id(k.fn).Params(params...).Id(att.GoName).Block(jen.Return(jen.Id(att.GoName).Values(jen.Dict{
			jen.Id(ct.GoName):      jen.Id(k.constant),
			jen.Id(content.GoName): jen.Id(card.GoName).Values(inner),
		})))
	}
	for _, fl := range card.Fields {
		g.withMethod(f, att.GoName, "a", jen.Id("a").Dot(content.GoName).Dot(fl.GoName), fl, "the card")
	}
	g.richCardMethod(f, att, content)
}

// withMethod emits a chainable With<Field> method on a value type recv that
// returns a copy with the field (reached by target) set. A list of
// single-string structs (CardImage{URL}) takes the strings.
func (g *gen) withMethod(f *jen.File, recv, r string, target *jen.Statement, fl *ir.Field, what string) {
	name := "With" + fl.GoName
	param := paramName(fl.GoName)
	if param == r {
		param += "Value"
	}
	lines := wrap(fmt.Sprintf("%s returns a copy of %s with %s set.", name, what, fl.GoName))
	lines = append(lines, fl.Doc...)
	for _, l := range lines {
		f.Comment(l)
	}
	sig := jen.Func().Params(jen.Id(r).Id(recv)).Id(name)
	switch {
	case fl.Type.Kind == ir.Slice && singleString(fl.Type.Elem) != nil:
		elem := fl.Type.Elem.Struct
		param = paramName(singleString(fl.Type.Elem).GoName) + "s" // images → urls
		f.Add(sig.Params(jen.Id(param).Op("...").String()).Id(recv).Block(
			target.Clone().Op("=").Make(jen.Index().Id(elem.GoName), jen.Len(jen.Id(param))),
			jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id(param)).Block(
				target.Clone().Index(jen.Id("i")).Op("=").Id(elem.GoName).Values(jen.Dict{
					jen.Id(singleString(fl.Type.Elem).GoName): jen.Id("v"),
				}),
			),
			jen.Return(jen.Id(r)),
		))
	case fl.Type.Kind == ir.Slice:
		f.Add(sig.Params(jen.Id(param).Op("...").Add(goType(fl.Type.Elem, false))).Id(recv).Block(
			target.Clone().Op("=").Append(fieldGoType(fl).Parens(jen.Nil()), jen.Id(param).Op("...")),
			jen.Return(jen.Id(r)),
		))
	default:
		f.Add(sig.Params(jen.Id(param).Add(fieldGoType(fl))).Id(recv).Block(
			target.Clone().Op("=").Id(param),
			jen.Return(jen.Id(r)),
		))
	}
}

// singleString returns the only field of a struct type when it is a string.
func singleString(t *ir.Type) *ir.Field {
	if t.Kind != ir.StructKind || len(t.Struct.Fields) != 1 || t.Struct.Fields[0].Type.Kind != ir.String {
		return nil
	}
	return t.Struct.Fields[0]
}

// richCardMethod emits Attachment.RichCard, which turns a card into an item of
// a RichCardList.
func (g *gen) richCardMethod(f *jen.File, att *ir.Struct, content *ir.Field) {
	rc := g.structNamed("RichCard")
	ct, raw := fieldOf(rc, "contentType", ir.String), fieldOf(rc, "content", ir.Raw)
	if ct == nil || raw == nil {
		return
	}
	attCT := fieldOf(att, "contentType", ir.String)
	f.Comment(fmt.Sprintf("%s returns the card as an item of a RichCardList.", rc.GoName))
	f.Func().Params(jen.Id("a").Id(att.GoName)).Id(rc.GoName).Params().Params(jen.Id(rc.GoName), jen.Error()).Block(
		jen.List(jen.Id("content"), jen.Err()).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("a").Dot(content.GoName)),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Id(rc.GoName).Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit("mluvii: card content: %w"), jen.Err())),
		),
		jen.Return(jen.Id(rc.GoName).Values(jen.Dict{
			jen.Id(ct.GoName):  jen.Id("a").Dot(attCT.GoName),
			jen.Id(raw.GoName): jen.Id("content"),
		}), jen.Nil()),
	)
}

// actionBuilders emits IMBack, the With… methods of a CardAction's optional
// fields, and NewSuggestedActions.
func (g *gen) actionBuilders(f *jen.File) {
	action := g.structNamed("CardAction")
	typ, title, value := fieldOf(action, "type", ir.String), fieldOf(action, "title", ir.String), fieldOf(action, "value", ir.Raw)
	if typ == nil || title == nil || value == nil {
		return
	}
	f.Comment("IMBack returns an imBack button: a click posts value back as the guest's")
	f.Comment("Text, as if typed. Use it in a card's buttons or in suggested actions.")
	f.Func().Id("IMBack").Params(jen.List(jen.Id("title"), jen.Id("value")).String()).Id(action.GoName).Block(
		jen.List(jen.Id("v"), jen.Id("_")).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("value")).Comment("a string always marshals"),
		jen.Return(jen.Id(action.GoName).Values(jen.Dict{
			jen.Id(typ.GoName):   jen.Lit(imBackType),
			jen.Id(title.GoName): jen.Id("title"),
			jen.Id(value.GoName): jen.Id("v"),
		})),
	)
	for _, fl := range action.Fields {
		if fl.Optional {
			g.withMethod(f, action.GoName, "a", jen.Id("a").Dot(fl.GoName), fl, "the action")
		}
	}
	sa := g.structNamed("SuggestedActions")
	actions := fieldOf(sa, "actions", ir.Slice)
	if actions == nil || len(sa.Fields) != 1 || actions.Type.Elem.Struct != action {
		return
	}
	f.Comment("NewSuggestedActions returns quick-reply buttons for WithSuggestedActions;")
	f.Comment("they replace the guest's text input until one is clicked.")
	f.Func().Id("NewSuggestedActions").Params(jen.Id("actions").Op("...").Id(action.GoName)).Op("*").Id(sa.GoName).Block(
		jen.Return(jen.Op("&").Id(sa.GoName).Values(jen.Dict{
			jen.Id(actions.GoName): jen.Append(jen.Index().Id(action.GoName).Parens(jen.Nil()), jen.Id("actions").Op("...")),
		})),
	)
}
