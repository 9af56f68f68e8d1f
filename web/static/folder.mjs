// folder.mjs — reading a dropped folder: DataTransferItem.webkitGetAsEntry, then
// FileSystemDirectoryReader.readEntries (repeated until it returns nothing: it answers in
// batches) and FileSystemFileEntry.file. The page (web/app/train.go) gets
// {root, files, paths, dirs}: the Files (handles; nothing is read here), their slash-separated
// paths below the root, and the class folders seen (so an empty one is still listed).
//
// The root: one dropped folder is the root (its sub-folders are the classes, as with the
// folder picker); several dropped folders are the classes themselves.

const entryFile = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));
const readBatch = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));

async function walk(dir, prefix, out) {
  const reader = dir.createReader();
  for (;;) {
    const batch = await readBatch(reader);
    if (batch.length === 0) return;
    for (const entry of batch) {
      const path = prefix + entry.name;
      if (entry.isDirectory) {
        if (prefix === "") out.dirs.push(path);
        await walk(entry, path + "/", out);
      } else if (entry.isFile) {
        out.files.push(await entryFile(entry));
        out.paths.push(path);
      }
    }
  }
}

export const graftFolder = {
  // fromDrop must be called inside the drop event: the items are read at once.
  fromDrop(dataTransfer) {
    const entries = [];
    for (const item of dataTransfer?.items ?? []) {
      const entry = item.kind === "file" && item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
      if (entry) entries.push(entry);
    }
    return (async () => {
      const out = { root: "", files: [], paths: [], dirs: [] };
      const dirs = entries.filter((e) => e.isDirectory);
      if (dirs.length === 1 && entries.length === 1) {
        out.root = dirs[0].name;
        await walk(dirs[0], "", out);
        return out;
      }
      for (const entry of entries) {
        if (entry.isDirectory) {
          out.dirs.push(entry.name);
          await walk(entry, entry.name + "/", out);
        } else {
          out.files.push(await entryFile(entry));
          out.paths.push(entry.name);
        }
      }
      return out;
    })();
  },
};

// Writing sorted copies (web/app/sort.go) with the File System Access API, where the browser
// has it: pickTarget asks for a folder (readwrite) and lists the files already in it (relative
// paths), so that app.SortPlan never names a copy over one; writeCopies writes each File to its
// path, creating class folders, and refuses a name that exists by then. Nothing is moved.
async function listTarget(dir, prefix, out) {
  for await (const [name, handle] of dir.entries()) {
    if (handle.kind === "directory") await listTarget(handle, prefix + name + "/", out);
    else out.push(prefix + name);
  }
}

graftFolder.pickTarget = async (id = "graft-sort") => {
  const handle = await showDirectoryPicker({ id, mode: "readwrite" });
  const existing = [];
  await listTarget(handle, "", existing);
  return { handle, existing };
};

// writeNewFile writes file at path under root, making its folders; a file already there is
// refused, never overwritten.
async function writeNewFile(root, path, file) {
  const parts = path.split("/");
  let dir = root;
  for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create: true });
  const name = parts[parts.length - 1];
  let exists = true;
  try {
    await dir.getFileHandle(name);
  } catch (err) {
    if (err.name !== "NotFoundError") throw err;
    exists = false;
  }
  if (exists) throw new Error(path + " appeared meanwhile; not overwritten");
  const out = await (await dir.getFileHandle(name, { create: true })).createWritable();
  await out.write(file);
  await out.close();
}

graftFolder.writeCopies = async (root, items, progress) => {
  let firstError = "";
  for (let i = 0; i < items.length; i++) {
    const { path, file } = items[i];
    try {
      await writeNewFile(root, path, file);
      progress(i, true);
    } catch (err) {
      if (!firstError) firstError = err.message;
      progress(i, false);
    }
  }
  return { firstError };
};

// Writing the label check's changes (web/app/labels_write.go) into the folder the photos were
// listed from: each item moves the file at `from` to `to` (both relative to root), after checking
// that its SHA-256 is the listed photo's `hash` (another folder, or a file changed since, is
// refused), writing the new file whole and only then removing the old one. Nothing is deleted
// that was not first written elsewhere; a destination that exists by then is refused.
async function fileAt(root, rel) {
  const parts = rel.split("/");
  let dir = root;
  for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p);
  const name = parts[parts.length - 1];
  return { dir, name, handle: await dir.getFileHandle(name) };
}

async function sha256Hex(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

graftFolder.moveFiles = async (root, items, progress) => {
  let firstError = "";
  for (let i = 0; i < items.length; i++) {
    const { from, to, hash } = items[i];
    try {
      let src;
      try {
        src = await fileAt(root, from);
      } catch (err) {
        if (err.name === "NotFoundError") throw new Error(from + " is not in this folder (pick the folder that was listed)");
        throw err;
      }
      const file = await src.handle.getFile();
      if ((await sha256Hex(file)) !== hash) throw new Error(from + " is not the photo that was listed (another folder, or changed since)");
      await writeNewFile(root, to, file);
      await src.dir.removeEntry(src.name);
      progress(i, true);
    } catch (err) {
      if (!firstError) firstError = err.message;
      progress(i, false);
    }
  }
  return { firstError };
};
