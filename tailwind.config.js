/** Tailwind v3. The content globs cover every place a class name can come from: our templates,
 * Python code that builds classes (tables, widgets), and crispy-tailwind's field templates. */
const { execSync } = require("child_process");

function crispyTailwindTemplates() {
  // crispy-tailwind's templates live in the virtualenv; ask Python where.
  try {
    const dir = execSync(
      ".venv/bin/python -c \"import crispy_tailwind, os; print(os.path.dirname(crispy_tailwind.__file__))\"",
      { stdio: ["ignore", "pipe", "ignore"] },
    ).toString().trim();
    return [`${dir}/templates/**/*.html`];
  } catch {
    return [];
  }
}

module.exports = {
  content: ["./templates/**/*.html", "./portal/**/*.py", "./static/js/app.js", ...crispyTailwindTemplates()],
  theme: {
    extend: {
      colors: {
        brand: {
          50: "#eef2ff", 100: "#e0e7ff", 200: "#c7d2fe", 300: "#a5b4fc", 400: "#818cf8",
          500: "#6366f1", 600: "#4f46e5", 700: "#4338ca", 800: "#3730a3", 900: "#312e81",
        },
      },
      fontFamily: {
        sans: ["Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
      },
    },
  },
  plugins: [require("@tailwindcss/forms")],
};
