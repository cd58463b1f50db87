// A question that needs an answer before something is removed: the browser's own modal dialog,
// which keeps focus inside it and closes on Escape.
import { useEffect, useRef } from 'preact/hooks';

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  message: string;
  confirm: string;
  onAnswer: (yes: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current!;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onClose={() => props.open && props.onAnswer(false)}>
      <h2 id="confirm-title">{props.title}</h2>
      <p>{props.message}</p>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => props.onAnswer(false)}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={() => props.onAnswer(true)}>
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}
