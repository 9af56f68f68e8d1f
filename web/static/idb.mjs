// idb.mjs — IndexedDB for the workers, as small Promise functions Go awaits (web/worker/idb_js.go).
// One database, "graft", version 2, three object stores:
//   features: {f: Float32Array, sum: CRC-32} under app/dataset Key.String() keys (the feature
//             cache; sum is web/engine SealFeatures, written in the vector's own transaction,
//             so an entry without it, or whose bytes do not match it, is never read back);
//   heads:    {id (auto), name, created (Unix ms), file (Uint8Array, a head file), draft (true
//             for the head last trained, kept until saved or discarded: web/engine/draft.go)};
//   inputs:   Uint8Array values under blockinput.BlockInputKey keys (the dynamic strategy's block
//             inputs, web/engine/blockinput.go; added in version 2).
// Each call is one transaction; a batch of gets or puts shares it (one trip through the event
// loop instead of one per key). Nothing else happens here: the logic is Go (web/engine).
const DB_NAME = "graft";
const DB_VERSION = 2;

let opening = null;
const open = () => {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains("features")) db.createObjectStore("features");
      if (!db.objectStoreNames.contains("heads")) db.createObjectStore("heads", { keyPath: "id", autoIncrement: true });
      if (!db.objectStoreNames.contains("inputs")) db.createObjectStore("inputs");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab with an older version of this page"));
  });
  opening.catch(() => { opening = null; });
  return opening;
};

// finished resolves when tx commits.
const finished = (tx) =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
  });

export const graftIDB = {
  // getFeatures: an array as long as keys, each the stored {f, sum} or undefined (Go checks sum).
  async getFeatures(keys) {
    const db = await open();
    const tx = db.transaction("features", "readonly");
    const store = tx.objectStore("features");
    const out = new Array(keys.length);
    keys.forEach((k, i) => {
      const r = store.get(k);
      r.onsuccess = () => { const v = r.result; out[i] = v && v.f instanceof Float32Array ? v : undefined; };
    });
    await finished(tx);
    return out;
  },

  // putFeatures keeps vecs[i] with its checksum sums[i] under keys[i], all in one transaction.
  async putFeatures(keys, vecs, sums) {
    const db = await open();
    const tx = db.transaction("features", "readwrite");
    const store = tx.objectStore("features");
    keys.forEach((k, i) => store.put({ f: vecs[i], sum: sums[i] }, k));
    await finished(tx);
  },

  // getInputs: an array as long as keys, each a Uint8Array or undefined.
  async getInputs(keys) {
    const db = await open();
    const tx = db.transaction("inputs", "readonly");
    const store = tx.objectStore("inputs");
    const out = new Array(keys.length);
    keys.forEach((k, i) => {
      const r = store.get(k);
      r.onsuccess = () => { out[i] = r.result instanceof Uint8Array ? r.result : undefined; };
    });
    await finished(tx);
    return out;
  },

  async putInputs(keys, vals) {
    const db = await open();
    const tx = db.transaction("inputs", "readwrite");
    const store = tx.objectStore("inputs");
    keys.forEach((k, i) => store.put(vals[i], k));
    await finished(tx);
  },

  // keys: every key of store ("features" or "inputs"); values are not read.
  async keys(storeName) {
    const db = await open();
    const tx = db.transaction(storeName, "readonly");
    const r = tx.objectStore(storeName).getAllKeys();
    await finished(tx);
    return r.result;
  },

  async deleteKeys(storeName, keys) {
    const db = await open();
    const tx = db.transaction(storeName, "readwrite");
    const store = tx.objectStore(storeName);
    keys.forEach((k) => store.delete(k));
    await finished(tx);
  },

  // estimate: navigator.storage.estimate() ({usage, quota} in bytes), or {} where there is none.
  async estimate() {
    try {
      return (await navigator.storage?.estimate?.()) ?? {};
    } catch {
      return {};
    }
  },

  async listHeads() {
    const db = await open();
    const tx = db.transaction("heads", "readonly");
    const r = tx.objectStore("heads").getAll();
    await finished(tx);
    return r.result;
  },

  // addHead stores {name, created, file} and resolves to its new id.
  async addHead(record) {
    const db = await open();
    const tx = db.transaction("heads", "readwrite");
    const r = tx.objectStore("heads").add(record);
    await finished(tx);
    return r.result;
  },

  async deleteHead(id) {
    const db = await open();
    const tx = db.transaction("heads", "readwrite");
    tx.objectStore("heads").delete(id);
    await finished(tx);
  },
};
