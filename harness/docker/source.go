package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// sourceDigest names what an image built from dir with dockerfile is made
// of: every file's path, kind, permissions and content (a symlink's
// target), and the Dockerfile's name. Times and owners do not count, so
// two checkouts of the same commit give the same digest.
func sourceDigest(dir, dockerfile string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "dockerfile %s\n", filepath.ToSlash(dockerfile))
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %s\n", filepath.ToSlash(rel), info.Mode().Type()|info.Mode().Perm())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "-> %s\n", link)
		case info.Mode().IsRegular():
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			fmt.Fprintf(h, "%d\n", info.Size())
			if _, err := io.Copy(h, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading the build folder %s: %w", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
