-- Small charts as inline SVG text, for pages that must not load anything:
-- horizontal bar charts and single stacked bars. Pure functions of their
-- arguments; every label is escaped.
--
--   local svg = require "workflows.lib.svgchart"
--   svg.hbars({ { label = "ENTERPRISE", value = 12, color = "#3b6fb6" } }, { width = 360 })
--   svg.stacked({ { label = "enrolled", value = 40, color = "#2e8b57" },
--                 { label = "not enrolled", value = 10, color = "#ddd" } }, { width = 120, height = 10 })
local options = require "duo.options"

local M = {}

local ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

-- Text safe inside HTML or SVG elements and quoted attributes.
function M.escape(s)
  return (tostring(s):gsub("[&<>\"']", ESCAPES))
end

-- A number as people read it: integers as they are, others to one decimal.
function M.number(n)
  if math.type(n) == "integer" then return tostring(n) end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then return string.format("%d", n) end
  return string.format("%.1f", n)
end

local function coord(x)
  return (string.format("%.1f", x):gsub("%.0$", ""))
end

local HBARS_OPTIONS = { width = "number", bar_height = "number", label_width = "number", gap = "number",
                        title = "string" }

-- One bar per item, longest for the largest value, with its label on the
-- left and its value on the right. items: { label, value, color }.
function M.hbars(items, opts)
  opts = options.check(opts, HBARS_OPTIONS, "svgchart.hbars", 2)
  local width, bar_h = opts.width or 360, opts.bar_height or 16
  local label_w, gap = opts.label_width or 110, opts.gap or 6
  local value_w = 56
  local max = 0
  for _, it in ipairs(items) do max = math.max(max, it.value) end
  local plot_w = width - label_w - value_w
  local height = math.max(1, #items) * (bar_h + gap)
  local out = {}
  out[#out + 1] = string.format('<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%d" height="%d" '
                                .. 'viewBox="0 0 %d %d" role="img" aria-label="%s">',
                                width, height, width, height, M.escape(opts.title or "bar chart"))
  for i, it in ipairs(items) do
    local y = (i - 1) * (bar_h + gap)
    local w = max > 0 and plot_w * it.value / max or 0
    if it.value > 0 and w < 1 then w = 1 end
    local text_y = coord(y + bar_h * 0.75)
    out[#out + 1] = string.format('<g><title>%s: %s</title>', M.escape(it.label), M.number(it.value))
    out[#out + 1] = string.format('<text x="%d" y="%s" class="label">%s</text>', label_w - 6, text_y,
                                  M.escape(it.label))
    out[#out + 1] = string.format('<rect x="%d" y="%s" width="%s" height="%d" fill="%s"/>', label_w, coord(y),
                                  coord(w), bar_h, M.escape(it.color or "#3b6fb6"))
    out[#out + 1] = string.format('<text x="%s" y="%s" class="value">%s</text></g>', coord(label_w + w + 4),
                                  text_y, M.number(it.value))
  end
  out[#out + 1] = "</svg>"
  return table.concat(out)
end

local STACKED_OPTIONS = { width = "number", height = "number", title = "string", empty_color = "string" }

-- One bar split in proportion to the parts' values. parts: { label,
-- value, color }. A bar with nothing to show is drawn empty.
function M.stacked(parts, opts)
  opts = options.check(opts, STACKED_OPTIONS, "svgchart.stacked", 2)
  local width, height = opts.width or 120, opts.height or 10
  local total = 0
  for _, p in ipairs(parts) do total = total + p.value end
  local tips = {}
  for _, p in ipairs(parts) do tips[#tips + 1] = M.escape(p.label) .. ": " .. M.number(p.value) end
  local out = {}
  out[#out + 1] = string.format('<svg xmlns="http://www.w3.org/2000/svg" class="bar" width="%d" height="%d" '
                                .. 'viewBox="0 0 %d %d" role="img" aria-label="%s">',
                                width, height, width, height, M.escape(opts.title or table.concat(tips, ", ")))
  out[#out + 1] = string.format('<title>%s</title>', table.concat(tips, ", "))
  out[#out + 1] = string.format('<rect width="%d" height="%d" fill="%s"/>', width, height,
                                M.escape(opts.empty_color or "#e8e8e8"))
  local x = 0
  if total > 0 then
    for _, p in ipairs(parts) do
      local w = width * p.value / total
      if w > 0 then
        out[#out + 1] = string.format('<rect x="%s" width="%s" height="%d" fill="%s"/>', coord(x), coord(w),
                                      height, M.escape(p.color))
      end
      x = x + w
    end
  end
  out[#out + 1] = "</svg>"
  return table.concat(out)
end

return M
