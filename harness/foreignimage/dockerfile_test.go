package foreignimage

import (
	"strings"
	"testing"
)

const complementLike = `#syntax=docker/dockerfile:1.2

FROM golang:1.22-bookworm as build
RUN apt-get update && apt-get install -y sqlite3
WORKDIR /build
ARG CGO
RUN --mount=target=. \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=${CGO} go build -o /out ./cmd/server && \
    cp build/run.sh /run.sh

FROM debian:bookworm-slim
COPY --from=build /out /out
CMD /run.sh
`

func TestRewriteChangesOnlyWhatTheBuildNeeds(t *testing.T) {
	out, changes, err := Rewrite([]byte(complementLike), "herald/debian:sid", func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		"#syntax=docker/dockerfile:1.2\n", // a comment to the classic builder: kept
		"FROM herald/debian:sid as build\nRUN printf",
		"golang-go gcc libc6-dev git ca-certificates",
		"RUN apt-get update && apt-get install -y sqlite3\n", // the image's own steps: untouched
		"COPY . /build/\nRUN \\\n    CGO_ENABLED=${CGO} go build -o /out ./cmd/server && \\\n    cp build/run.sh /run.sh\n",
		"FROM herald/debian:sid\nCOPY --from=build /out /out\nCMD /run.sh\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten Dockerfile lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "--mount") || strings.Contains(got, "golang:1.22") {
		t.Errorf("rewritten Dockerfile still needs BuildKit or a registry:\n%s", got)
	}
	if len(changes) != 3 {
		t.Fatalf("changes = %v, want 3 (two FROMs, one RUN)", changes)
	}
	if changes[0].Line != 3 || changes[1].Line != 7 || changes[2].Line != 13 {
		t.Errorf("change lines = %d, %d, %d; want 3, 7, 13", changes[0].Line, changes[1].Line, changes[2].Line)
	}
}

func TestRewriteKeepsWhatIsAvailable(t *testing.T) {
	// With a registry, FROM lines stay as written; only BuildKit's flags go.
	out, changes, err := Rewrite([]byte(complementLike), "herald/debian:sid", func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "FROM golang:1.22-bookworm as build\n") || !strings.Contains(string(out), "FROM debian:bookworm-slim\n") {
		t.Errorf("available images were replaced:\n%s", out)
	}
	if len(changes) != 1 {
		t.Errorf("changes = %v, want only the RUN --mount one", changes)
	}
	plain := "FROM debian:sid\nRUN echo hi\n"
	out, changes, _ = Rewrite([]byte(plain), "x", func(string) bool { return true })
	if string(out) != plain || len(changes) != 0 {
		t.Errorf("a Dockerfile needing nothing was changed: %q %v", out, changes)
	}
}

func TestRewriteRefusesMountsItCannotReplace(t *testing.T) {
	for _, run := range []string{
		"RUN --mount=type=secret,id=token cat /run/secrets/token",
		"RUN --mount=type=bind,from=other,target=/x ls /x",
		"RUN --mount=type=ssh git clone x",
	} {
		if _, _, err := Rewrite([]byte("FROM a\n"+run+"\n"), "b", func(string) bool { return true }); err == nil {
			t.Errorf("%s: rewritten without error", run)
		}
	}
}

func TestRewriteRelativeMountTarget(t *testing.T) {
	out, _, err := Rewrite([]byte("FROM a\nWORKDIR /src\nWORKDIR sub\nRUN --mount=target=./in make\n"), "b", func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "COPY . /src/sub/in/\nRUN make\n") {
		t.Errorf("relative target not resolved against WORKDIR:\n%s", out)
	}
}
