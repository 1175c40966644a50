package present

import "strings"

// Patient is the banner of a connection.
type Patient struct {
	Name       string `json:"name"`
	BirthDate  string `json:"birthDate"`
	Gender     string `json:"gender"`
	Identifier string `json:"identifier"`
	Address    string `json:"address"`
	Phone      string `json:"phone"`
}

// DescribePatient reads the banner fields of a Patient resource.
func DescribePatient(raw []byte) Patient {
	m := decode(raw)
	p := Patient{Name: officialName(m["name"]), BirthDate: Date(str(m["birthDate"])),
		Gender: capitalize(str(m["gender"]))}
	for _, id := range list(m["identifier"]) {
		im := obj(id)
		if concept(im["type"]) != "" || p.Identifier == "" {
			if v := str(im["value"]); v != "" {
				label := first(concept(im["type"]), "ID")
				p.Identifier = label + " " + v
			}
		}
		if strings.Contains(strings.ToUpper(concept(im["type"])), "MR") {
			break
		}
	}
	if addrs := list(m["address"]); len(addrs) > 0 {
		am := obj(addrs[0])
		parts := []string{}
		for _, l := range list(am["line"]) {
			parts = append(parts, str(l))
		}
		parts = append(parts, str(am["city"]), strings.TrimSpace(str(am["state"])+" "+str(am["postalCode"])))
		p.Address = joinWith(", ", parts...)
	}
	for _, t := range list(m["telecom"]) {
		if tm := obj(t); str(tm["system"]) == "phone" {
			p.Phone = str(tm["value"])
			break
		}
	}
	return p
}

func officialName(v node) string {
	for _, n := range list(v) {
		if str(obj(n)["use"]) == "official" {
			return humanName([]any{n})
		}
	}
	return humanName(v)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func joinWith(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
