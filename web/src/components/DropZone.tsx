// Pictures chosen with a file input, or dropped on the box around it.
import type { Ref } from 'preact';
import { useState } from 'preact/hooks';

export function DropZone(props: {
  id: string;
  label: string;
  hint: string;
  multiple?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  onFiles: (files: File[]) => void;
}) {
  const [over, setOver] = useState(false);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; keyboards use the file input inside.
    <div
      class={over ? 'drop-zone over' : 'drop-zone'}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        props.onFiles([...(event.dataTransfer?.files ?? [])]);
      }}
    >
      <label for={props.id}>{props.label}</label>
      <input
        ref={props.inputRef}
        id={props.id}
        type="file"
        accept="image/*"
        multiple={props.multiple}
        onChange={(event) => props.onFiles([...((event.target as HTMLInputElement).files ?? [])])}
      />
      <p class="hint">{props.hint}</p>
    </div>
  );
}
