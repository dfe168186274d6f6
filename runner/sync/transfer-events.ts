// What a push or pull reports as it goes: the sync layer emits TransferEvents, the transfer reporter alone prints them.

export type TransferEvent =
  /** The entries to move and their bytes (an upper bound: blobs the other side has are skipped). */
  | { readonly type: "transfer-start"; readonly direction: "push" | "pull"; readonly remote: string; readonly entries: number; readonly bytes: number }
  /** More bytes to move than announced (a pull learns each entry's size as it reaches it). */
  | { readonly type: "transfer-expect"; readonly bytes: number }
  | { readonly type: "transfer-bytes"; readonly bytes: number }
  /** One entry moved (`sent`), or the other side had it already. `shared`: bytes of identical files the remote had. */
  | { readonly type: "entry-done"; readonly stage: string; readonly key: string; readonly sent: boolean; readonly bytes: number; readonly shared: number }
  | { readonly type: "entry-failed"; readonly stage: string; readonly key: string; readonly message: string }
  /** A stage with nothing to move, and why (`not run yet`, `not in the remote`). */
  | { readonly type: "entry-unavailable"; readonly stage: string; readonly why: string }
  | { readonly type: "transfer-end" };

export type EmitTransfer = (event: TransferEvent) => void;
