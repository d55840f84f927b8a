/** A secret as its maker shows it once: a label and the value, selected on focus, right below the form that made it. */
export interface Secret {
  label: string;
  value: string;
  /** The action that made it (the form it shows under). */
  of: string;
}

export function OneTimeSecret({ secret, of }: { secret: Secret | null; of: string }) {
  if (!secret || secret.of !== of) return null;
  return (
    <div class="secret" role="status" data-secret-of={of}>
      <strong>{secret.label}</strong>
      <input readOnly value={secret.value} onFocus={(e) => (e.target as HTMLInputElement).select()} aria-label={secret.label} />
    </div>
  );
}
