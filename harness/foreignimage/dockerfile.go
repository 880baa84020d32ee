// Package foreignimage builds a homeserver's own Complement image from its published source, changing only what Herald's build needs.
package foreignimage

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Change is one edit made to a foreign Dockerfile, with the reason for it.
type Change struct {
	Line   int    // 1-based line of the original Dockerfile
	Was    string // the original instruction (first line of it)
	Now    string // what replaced it
	Reason string
}

func (c Change) String() string {
	return fmt.Sprintf("line %d: %q → %q (%s)", c.Line, c.Was, c.Now, c.Reason)
}

// Rewrite makes a Dockerfile written for a registry and BuildKit buildable
// by the classic builder from a Debian base, and changes nothing else:
//
//   - a FROM whose image is unavailable (available says which are) starts
//     from base instead, and an image named golang:* gets Debian's Go
//     toolchain (with gcc for cgo, git, and CA certificates) installed, as
//     the official Go images carry them;
//   - RUN --mount=… flags (BuildKit only) are dropped; a bind mount of the
//     context (--mount=target=…, no type or type=bind) becomes a COPY of
//     the context to that target first. Cache mounts are dropped: they only
//     speed a rebuild up.
//
// Every edit is returned with its reason, so Herald can say what it changed.
func Rewrite(dockerfile []byte, base string, available func(image string) bool) ([]byte, []Change, error) {
	var out bytes.Buffer
	var changes []Change
	workdir := "/"
	sc := bufio.NewScanner(bytes.NewReader(dockerfile))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		// Gather a continued instruction whole.
		start := lineNo
		for strings.HasSuffix(strings.TrimRight(line, " \t"), "\\") && sc.Scan() {
			lineNo++
			line += "\n" + sc.Text()
		}
		trimmed := strings.TrimSpace(line)
		word := strings.ToUpper(firstWord(trimmed))
		switch word {
		case "FROM":
			image, rest := fromImage(trimmed)
			if image == "" || available(image) || strings.HasPrefix(image, "$") {
				break
			}
			now := "FROM " + base + rest
			summary := now
			if strings.HasPrefix(image, "golang:") {
				now += "\n" + goToolchain
				summary += " + Debian's golang-go, gcc, libc6-dev, git, ca-certificates"
			}
			changes = append(changes, Change{Line: start, Was: firstLine(line), Now: summary,
				Reason: image + " can be neither found nor pulled"})
			line = now
		case "WORKDIR":
			if dir := strings.TrimSpace(trimmed[len("WORKDIR"):]); strings.HasPrefix(dir, "/") {
				workdir = dir
			} else {
				workdir = strings.TrimSuffix(workdir, "/") + "/" + dir
			}
		case "RUN":
			if !mountFlag.MatchString(trimmed) {
				break
			}
			now, err := dropMounts(line, workdir)
			if err != nil {
				return nil, nil, fmt.Errorf("Dockerfile line %d: %w", start, err)
			}
			changes = append(changes, Change{Line: start, Was: firstLine(line), Now: firstLine(now),
				Reason: "RUN --mount is BuildKit's; Herald builds with the classic builder"})
			line = now
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	return out.Bytes(), changes, nil
}

// goToolchain stands in for what an official golang:* image carries.
const goToolchain = `RUN printf 'Acquire::Check-Valid-Until "false";\n' > /etc/apt/apt.conf.d/99herald-snapshot \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends golang-go gcc libc6-dev git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" >> /etc/ssl/certs/ca-certificates.crt; fi
ARG GOPROXY=https://proxy.golang.org
ENV GOPROXY=${GOPROXY} GOTOOLCHAIN=local PATH=/root/go/bin:/usr/local/go/bin:$PATH`

var (
	mountFlag = regexp.MustCompile(`--mount=\S+`)
	fromFlag  = regexp.MustCompile(`^--\S+$`)
)

// dropMounts removes the --mount flags of a RUN and turns a bind mount of
// the context into a COPY before it.
func dropMounts(run, workdir string) (string, error) {
	var copies []string
	for _, m := range mountFlag.FindAllString(run, -1) {
		opts := map[string]string{}
		for _, kv := range strings.Split(strings.TrimPrefix(m, "--mount="), ",") {
			k, v, _ := strings.Cut(kv, "=")
			opts[k] = v
		}
		kind := opts["type"]
		if kind == "" {
			kind = "bind"
		}
		switch kind {
		case "cache", "tmpfs":
		case "bind":
			if opts["from"] != "" || opts["source"] != "" && opts["source"] != "." {
				return "", fmt.Errorf("RUN %s binds something other than the build context; not supported", m)
			}
			target := opts["target"]
			if target == "" {
				target = opts["dst"]
			}
			if target == "" {
				target = opts["destination"]
			}
			if target == "" {
				return "", fmt.Errorf("RUN %s has no target", m)
			}
			if !strings.HasPrefix(target, "/") {
				target = strings.TrimSuffix(workdir, "/") + "/" + strings.TrimPrefix(target, "./")
			}
			copies = append(copies, "COPY . "+strings.TrimSuffix(strings.TrimSuffix(target, "."), "/")+"/")
		default:
			return "", fmt.Errorf("RUN %s: mounts of type %s are not supported", m, kind)
		}
	}
	stripped := mountFlag.ReplaceAllString(run, "")
	// Lines left holding only a continuation backslash go.
	var kept []string
	for _, l := range strings.Split(stripped, "\n") {
		if strings.TrimSpace(l) == "\\" {
			continue
		}
		kept = append(kept, l)
	}
	stripped = strings.Join(kept, "\n")
	stripped = regexp.MustCompile(`^(\s*RUN)\s+`).ReplaceAllString(stripped, "$1 ")
	if len(copies) == 0 {
		return stripped, nil
	}
	return strings.Join(copies, "\n") + "\n" + stripped, nil
}

// fromImage returns the image of a FROM line and what follows it (" AS x").
func fromImage(from string) (image, rest string) {
	fields := strings.Fields(from)
	i := 1
	for i < len(fields) && fromFlag.MatchString(fields[i]) {
		i++
	}
	if i >= len(fields) {
		return "", ""
	}
	return fields[i], prefixed(fields[i+1:])
}

func prefixed(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	return " " + strings.Join(fields, " ")
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}
