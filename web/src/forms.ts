/**
 * A form's submit handler that sends `{ action, ...named fields }` to `act` (the settings and account pages: one
 * endpoint, an action per form).
 */
export function actionForm(act: (body: Record<string, unknown>, form: HTMLFormElement) => unknown) {
  return (action: string, fields: string[]) => (e: Event) => {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const data = new FormData(f);
    const body: Record<string, unknown> = { action };
    for (const k of fields) body[k] = (data.get(k) as string | null) ?? '';
    void act(body, f);
  };
}
