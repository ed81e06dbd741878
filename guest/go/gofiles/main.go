// gofiles: the file calls Go's os and io make beyond open/read/write — io.Copy between files
// (copy_file_range), to and from sockets (sendfile, splice), links, symlinks, modes, truncation,
// locks, directory walks, deadlines on pipes — with deterministic output.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func check(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func copies(dir string) {
	src := filepath.Join(dir, "src.bin")
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes
	check("write", os.WriteFile(src, data, 0o644))

	// file to file: os.(*File).ReadFrom tries copy_file_range
	in, err := os.Open(src)
	check("open", err)
	out, err := os.Create(filepath.Join(dir, "copy.bin"))
	check("create", err)
	n, err := io.Copy(out, in)
	check("copy", err)
	out.Close()
	in.Close()
	got, err := os.ReadFile(filepath.Join(dir, "copy.bin"))
	check("read copy", err)
	fmt.Printf("copies: file to file %d bytes, equal %v\n", n, bytes.Equal(got, data))

	// part of a file from an offset (io.NewSectionReader, pread)
	in, err = os.Open(src)
	check("open", err)
	sec := io.NewSectionReader(in, 1000, 40)
	part, err := io.ReadAll(sec)
	check("section", err)
	in.Close()
	fmt.Printf("copies: section %q\n", part)

	// file to socket (sendfile) and socket to file (splice)
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	check("socketpair", err)
	a, err := net.FileConn(os.NewFile(uintptr(pair[0]), "a"))
	check("fileconn a", err)
	b, err := net.FileConn(os.NewFile(uintptr(pair[1]), "b"))
	check("fileconn b", err)
	done := make(chan int64)
	go func() {
		f, err := os.Create(filepath.Join(dir, "from-socket.bin"))
		check("create", err)
		n, err := io.Copy(f, b)
		check("copy from socket", err)
		f.Close()
		done <- n
	}()
	in, err = os.Open(src)
	check("open", err)
	sent, err := io.Copy(a, in)
	check("copy to socket", err)
	in.Close()
	a.(*net.UnixConn).CloseWrite()
	received := <-done
	a.Close()
	b.Close()
	got, err = os.ReadFile(filepath.Join(dir, "from-socket.bin"))
	check("read", err)
	fmt.Printf("copies: sent %d, received %d, equal %v\n", sent, received, bytes.Equal(got, data))
}

func names(dir string) {
	f := filepath.Join(dir, "f.txt")
	check("write", os.WriteFile(f, []byte("contents\n"), 0o600))
	check("link", os.Link(f, filepath.Join(dir, "hard.txt")))
	check("symlink", os.Symlink("f.txt", filepath.Join(dir, "soft.txt")))
	target, err := os.Readlink(filepath.Join(dir, "soft.txt"))
	check("readlink", err)
	li, err := os.Lstat(filepath.Join(dir, "soft.txt"))
	check("lstat", err)
	si, err := os.Stat(filepath.Join(dir, "soft.txt"))
	check("stat", err)
	hi, err := os.Stat(filepath.Join(dir, "hard.txt"))
	check("stat hard", err)
	st := hi.Sys().(*syscall.Stat_t)
	fmt.Printf("names: symlink to %q, lstat symlink %v, stat size %d, hard link count %d, same file %v\n",
		target, li.Mode()&fs.ModeSymlink != 0, si.Size(), st.Nlink, os.SameFile(si, hi))

	check("chmod", os.Chmod(f, 0o640))
	fi, err := os.Stat(f)
	check("stat", err)
	check("truncate", os.Truncate(f, 3))
	trunc, err := os.ReadFile(f)
	check("read", err)
	when := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	check("chtimes", os.Chtimes(f, when, when))
	ti, err := os.Stat(f)
	check("stat", err)
	fmt.Printf("names: mode %v, truncated to %q, mtime %s\n", fi.Mode().Perm(), trunc, ti.ModTime().UTC().Format(time.RFC3339))

	_, err = os.OpenFile(f, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	fmt.Printf("names: O_EXCL on an existing file: %v\n", errors.Is(err, fs.ErrExist))
	err = os.Mkdir(filepath.Join(dir, "f.txt", "sub"), 0o755)
	fmt.Printf("names: mkdir under a file: %v\n", errors.Is(err, syscall.ENOTDIR))

	check("mkdirall", os.MkdirAll(filepath.Join(dir, "a", "b", "c"), 0o755))
	check("write", os.WriteFile(filepath.Join(dir, "a", "b", "c", "deep.txt"), []byte("x"), 0o644))
	walked := []string{}
	check("walk", filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		walked = append(walked, rel)
		return nil
	}))
	fmt.Printf("names: walk %s\n", strings.Join(walked, " "))
	matches, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	check("glob", err)
	for i := range matches {
		matches[i] = filepath.Base(matches[i])
	}
	fmt.Printf("names: glob %v\n", matches)
}

func locks(dir string) {
	f, err := os.Create(filepath.Join(dir, "lock"))
	check("create", err)
	defer f.Close()
	check("flock", syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	g, err := os.Open(filepath.Join(dir, "lock"))
	check("open", err)
	defer g.Close()
	err = syscall.Flock(int(g.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	fmt.Printf("locks: second exclusive flock: %v\n", err)
	check("unlock", syscall.Flock(int(f.Fd()), syscall.LOCK_UN))
	fmt.Printf("locks: after unlock: %v\n", syscall.Flock(int(g.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	check("fsync", f.Sync())
}

func pipes() {
	r, w, err := os.Pipe()
	check("pipe", err)
	defer r.Close()
	defer w.Close()
	check("deadline", r.SetReadDeadline(time.Now().Add(10*time.Millisecond)))
	_, err = r.Read(make([]byte, 1))
	fmt.Printf("pipes: read past its deadline: %v\n", errors.Is(err, os.ErrDeadlineExceeded))
	check("deadline", r.SetReadDeadline(time.Time{}))
	go func() {
		time.Sleep(2 * time.Millisecond)
		w.Write([]byte("late"))
	}()
	b := make([]byte, 8)
	n, err := r.Read(b)
	check("read", err)
	fmt.Printf("pipes: then %q\n", b[:n])
}

func main() {
	dir, err := os.MkdirTemp(".", "gofiles-")
	check("mkdirtemp", err)
	defer os.RemoveAll(dir)
	copies(dir)
	names(dir)
	locks(dir)
	pipes()
	fmt.Fprintln(os.Stderr, "gofiles: done")
}
